-- wrk script: every request posts 1,000 new hires (distinct ids across threads and requests)
-- as a JSON batch. The departments (1..12) and jobs (1..183) must exist.
-- thread_id is a global that setup() gives each thread's own Lua state (thread:set); a local of
-- that name would shadow it, and every thread would post the same ids.
local counter = 0
local next_thread = 0

function setup(thread)
    next_thread = next_thread + 1
    thread:set("thread_id", next_thread)
end

function init(args)
    token = os.getenv("HIRING_API_TOKEN")
    first_id = tonumber(os.getenv("BENCH_FIRST_ID") or "10000000")
end

function request()
    local base = first_id + thread_id * 100000000 + counter * 1000
    counter = counter + 1
    local rows = {}
    for i = 0, 999 do
        local id = base + i
        rows[#rows + 1] = string.format(
            '{"id":%d,"name":"Bench Person %d","datetime":"2021-07-27T16:02:08Z","department_id":%d,"job_id":%d}',
            id, id, id % 12 + 1, id % 183 + 1)
    end
    local body = "[" .. table.concat(rows, ",") .. "]"
    return wrk.format("POST", "/api/v1/hired_employees", {
        ["Content-Type"] = "application/json",
        ["Authorization"] = "Bearer " .. token,
    }, body)
end

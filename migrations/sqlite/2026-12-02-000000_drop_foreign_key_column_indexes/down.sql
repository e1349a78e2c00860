CREATE INDEX hired_employees_department_id ON hired_employees (department_id);
CREATE INDEX hired_employees_job_id ON hired_employees (job_id);

ALTER TABLE hired_employees
    ALTER CONSTRAINT hired_employees_department_id_fkey NOT DEFERRABLE;
ALTER TABLE hired_employees
    ALTER CONSTRAINT hired_employees_job_id_fkey NOT DEFERRABLE;

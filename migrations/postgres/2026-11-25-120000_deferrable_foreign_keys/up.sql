-- A restore replaces departments or jobs in the same transaction as the hires that reference
-- them, so it checks foreign keys at commit (SET CONSTRAINTS ALL DEFERRED). Every other
-- statement still checks them at once (INITIALLY IMMEDIATE).
ALTER TABLE hired_employees
    ALTER CONSTRAINT hired_employees_department_id_fkey DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE hired_employees
    ALTER CONSTRAINT hired_employees_job_id_fkey DEFERRABLE INITIALLY IMMEDIATE;

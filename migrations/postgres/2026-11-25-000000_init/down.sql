DROP TABLE rejected_rows;
DROP TABLE hired_employees;
DROP TABLE jobs;
DROP TABLE departments;

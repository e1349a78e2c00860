DROP TABLE hire_counts;

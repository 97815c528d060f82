-- The code lists themselves, for dashboards and readers' own tools: every
-- code of every dimension with its name ("CLINICAL_RADIOLOGY" is "Clinical
-- radiology"), so a report shows names, not codes.
create view report.reference_codes as
select dimension, code, name from reference_codes;

grant select on report.reference_codes to horizon_reader;

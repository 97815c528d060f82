-- A scraper run is recorded when it starts and again when it ends. A run
-- whose end never comes (the scraper was killed) is open until the next
-- run of its source starts, which marks it abandoned: a failed run.
alter table source_runs alter column finished_at drop not null;
alter table source_runs add column status text not null default 'finished'
    check (status in ('running', 'finished', 'abandoned'));
create index source_runs_open_idx on source_runs (source_id) where status = 'running';

-- Appends running_since (the start of a run still open) and
-- abandoned_runs.
create or replace view report.source_health as
select s.id as source_id,
       s.last_run_at,
       s.last_success_at,
       s.last_error,
       s.last_error_at,
       s.consecutive_failures,
       (select count(*) from documents d where d.source_id = s.id) as documents,
       (select max(d.updated_at) from documents d where d.source_id = s.id) as newest_document_at,
       (select max(r.started_at) from source_runs r where r.source_id = s.id and r.status = 'running') as running_since,
       (select count(*) from source_runs r where r.source_id = s.id and r.status = 'abandoned') as abandoned_runs
from sources s;

grant select on report.source_health to horizon_reader;

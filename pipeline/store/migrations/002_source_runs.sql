-- Every run of every source, and each source's health derived from them.

alter table sources
    add column last_run_at           timestamptz,
    add column last_success_at       timestamptz,
    add column last_error            text,
    add column last_error_at         timestamptz,
    add column consecutive_failures  integer not null default 0;

create table source_runs (
    run_id          text primary key,
    source_id       text not null references sources (id),
    started_at      timestamptz not null,
    finished_at     timestamptz not null,
    fetched         integer not null,
    not_modified    integer not null,
    new_documents   integer not null,
    changed         integer not null,
    unchanged       integer not null,
    failed          integer not null,
    robots_blocked  integer not null,
    errors          jsonb not null default '{}',
    error           text,
    bytes_received  bigint not null,
    loaded_at       timestamptz not null default now()
);
create index source_runs_source_idx on source_runs (source_id, started_at desc);

-- Pipeline health per source, for dashboards.
create view report.source_health as
select s.id as source_id,
       s.last_run_at,
       s.last_success_at,
       s.last_error,
       s.last_error_at,
       s.consecutive_failures,
       (select count(*) from documents d where d.source_id = s.id) as documents,
       (select max(d.updated_at) from documents d where d.source_id = s.id) as newest_document_at
from sources s;

grant select on report.source_health to horizon_reader;

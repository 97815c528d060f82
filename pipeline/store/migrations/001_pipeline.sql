-- Horizon's first schema: what the pipeline writes. Later migrations add the
-- scraper's run history, technologies and review tables.

create table sources (
    id          text primary key,
    first_seen  timestamptz not null default now(),
    last_seen   timestamptz not null default now()
);

-- One row per canonical URL. version counts content changes.
create table documents (
    id            text primary key,
    source_id     text not null references sources (id),
    url           text not null,
    title         text not null,
    body          text not null,
    published_at  timestamptz,
    language      text,
    content_hash  text not null,
    fetched_at    timestamptz not null,
    version       integer not null default 1,
    first_seen    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);
create index documents_source_idx on documents (source_id);

-- One row per document per rule-set version: reclassifying with new rules
-- adds rows, it does not rewrite history.
create table classifications (
    document_id       text not null references documents (id),
    rule_set_version  text not null,
    content_hash      text not null,
    relevant          boolean not null,
    needs_review      boolean not null,
    review_reasons    text[] not null default '{}',
    classified_at     timestamptz not null,
    loaded_at         timestamptz not null default now(),
    primary key (document_id, rule_set_version)
);

create table labels (
    document_id       text not null,
    rule_set_version  text not null,
    dimension         text not null,
    code              text not null,
    score             double precision not null,
    evidence          jsonb not null default '[]',
    primary key (document_id, rule_set_version, dimension, code),
    foreign key (document_id, rule_set_version)
        references classifications (document_id, rule_set_version) on delete cascade
);
create index labels_dimension_code_idx on labels (dimension, code);

-- Messages a stage could never process, kept with their payload and reason.
create table dead_letters (
    id          bigserial primary key,
    stage       text not null,
    subject     text not null,
    msg_id      text not null,
    payload     bytea not null,
    reason      text not null,
    -- stream sequence of the newest dead-letter message folded into this row:
    -- a redelivered letter has the same sequence and changes nothing.
    last_seq    bigint not null,
    first_seen  timestamptz not null default now(),
    last_seen   timestamptz not null default now(),
    count       integer not null default 1,
    unique (stage, msg_id)
);

-- The reporting contract for dashboards lives in its own schema.
create schema report;

comment on schema report is 'Stable reporting views for dashboards; see docs/reporting.md.';

-- The classification of each document under the newest rule set that has
-- classified it.
create view report.current_classifications as
select distinct on (c.document_id)
       c.document_id, c.rule_set_version, c.relevant, c.needs_review,
       c.review_reasons, c.classified_at
from classifications c
order by c.document_id, c.classified_at desc, c.rule_set_version;

create view report.documents as
select d.id as document_id, d.source_id, d.url, d.title, d.published_at,
       d.language, d.version, d.first_seen, d.updated_at,
       cc.rule_set_version, cc.relevant, cc.needs_review
from documents d
left join report.current_classifications cc on cc.document_id = d.id;

create view report.document_labels as
select l.document_id, l.dimension, l.code, l.score
from labels l
join report.current_classifications cc
  on cc.document_id = l.document_id and cc.rule_set_version = l.rule_set_version;

create view report.documents_by_type as
select l.code as type, count(*) as documents
from report.document_labels l
where l.dimension = 'type'
group by l.code;

-- Dashboards connect as a member of horizon_reader: it may read the report
-- schema and nothing else.
-- Roles belong to the whole cluster, so another database's migration may
-- create it at the same moment.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'horizon_reader') then
        create role horizon_reader nologin;
    end if;
exception when duplicate_object or unique_violation then
    null;
end
$$;
grant usage on schema report to horizon_reader;
grant select on all tables in schema report to horizon_reader;

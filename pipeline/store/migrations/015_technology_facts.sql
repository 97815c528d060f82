-- The dashboard at scale (issue 16): one row of facts per technology,
-- everything the dashboard's filters and charts need, so that a page reads
-- 100,000 rows rather than joining codes, documents, exclusions and merges
-- on every request (computed from the views, 100,000 technologies cost
-- 0.16 s to count and 3.6 s to derive).
--
-- Kept in step in two halves. Triggers on every table a fact comes from
-- mark the technologies a statement touched as stale, in the writer's own
-- transaction, so no change can be missed; refresh_technology_facts()
-- takes the marks off and re-derives those technologies from the report
-- views (the definitions stay in one place). The review app refreshes before every dashboard page, so an
-- analyst sees their decision at once; the loader refreshes every few
-- seconds while it runs, for everyone else.

create sequence technology_facts_version;

create table technology_facts (
    technology_id    bigint primary key,
    -- Counted on dashboards (relevant, not merged, not excluded). A row
    -- that stops counting stays, uncounted, so that a reader following
    -- the versions learns that it went.
    counted          boolean not null,
    version          bigint not null default nextval('technology_facts_version'),
    type             text not null default '', -- the main type ('' when none)
    name             text not null default '',
    vendor           text not null default '',
    subtype          text[] not null default '{}',
    clinical_area    text[] not null default '{}',
    workforce_group  text[] not null default '{}',
    point_of_care    text[] not null default '{}',
    horizon          text[] not null default '{}',
    region           text[] not null default '{}',
    -- Every announcement's source and date, in step (a filter on both
    -- asks for one announcement that meets both).
    document_sources text[] not null default '{}',
    document_dates   timestamptz[] not null default '{}'
);
create index technology_facts_version_idx on technology_facts (version);

-- Marks: a technology whose facts may be out of date. Duplicates are
-- harmless; the refresh takes every mark it saw.
create table technology_facts_stale (
    technology_id bigint not null
);

-- report.technology_facets with its main type found per technology rather
-- than for all of them and then joined, so that a refresh of a few
-- technologies reads only theirs (0.1 s for 50 technologies of 100,000
-- before, most of it ranking every technology's type).
create or replace view report.technology_facets as
select t.id as technology_id,
       coalesce((select min(c.code) from technology_codes c where c.technology_id = t.id and c.dimension = 'type'),
                (select a.code from technology_auto_codes a where a.technology_id = t.id and a.dimension = 'type'
                 order by a.score desc, a.code limit 1)) as type,
       t.name, t.vendor
from technologies t
where t.merged_into is null
  and not exists (select 1 from technology_exclusions x where x.technology_id = t.id)
  and (exists (select 1 from technology_codes c where c.technology_id = t.id and c.dimension = 'relevance')
       or exists (select 1 from technology_auto_codes a where a.technology_id = t.id and a.dimension = 'relevance'));

-- The trigger function: marks the technologies in column TG_ARGV[0] of the
-- rows a statement wrote or removed.
create function mark_technology_facts_stale() returns trigger
language plpgsql as $$
begin
    if TG_OP in ('INSERT', 'UPDATE') then
        execute format('insert into technology_facts_stale (technology_id) select distinct %1$I from new_rows where %1$I is not null', TG_ARGV[0]);
    end if;
    if TG_OP in ('DELETE', 'UPDATE') then
        execute format('insert into technology_facts_stale (technology_id) select distinct %1$I from old_rows where %1$I is not null', TG_ARGV[0]);
    end if;
    return null;
end
$$;

-- A document's source or date feeds the facts of its technologies.
create function mark_document_technologies_stale() returns trigger
language plpgsql as $$
begin
    insert into technology_facts_stale (technology_id)
    select distinct dt.technology_id
    from new_rows n
    join old_rows o on o.id = n.id
    join document_technologies dt on dt.document_id = n.id
    where (n.source_id, n.published_at, n.first_seen) is distinct from (o.source_id, o.published_at, o.first_seen);
    return null;
end
$$;

do $$
declare
    t record;
begin
    for t in select * from (values
        ('technologies', 'id'),
        ('document_technologies', 'technology_id'),
        ('technology_auto_codes', 'technology_id'),
        ('technology_codes', 'technology_id'),
        ('technology_exclusions', 'technology_id')) as v(tab, col)
    loop
        execute format('create trigger %1$s_facts_insert after insert on %1$I referencing new table as new_rows
            for each statement execute function mark_technology_facts_stale(%2$L)', t.tab, t.col);
        execute format('create trigger %1$s_facts_update after update on %1$I referencing old table as old_rows new table as new_rows
            for each statement execute function mark_technology_facts_stale(%2$L)', t.tab, t.col);
        execute format('create trigger %1$s_facts_delete after delete on %1$I referencing old table as old_rows
            for each statement execute function mark_technology_facts_stale(%2$L)', t.tab, t.col);
    end loop;
end
$$;
create trigger documents_facts_update after update on documents referencing old table as old_rows new table as new_rows
    for each statement execute function mark_document_technologies_stale();

-- Re-derive the facts of every stale technology and take their marks off.
-- Refreshes take turns (an advisory lock), so versions are committed in
-- order and a reader following them misses none. Returns how many
-- technologies it re-derived.
create function refresh_technology_facts() returns bigint
language plpgsql as $$
declare
    ids bigint[];
    n bigint;
begin
    perform pg_advisory_xact_lock(hashtext('refresh_technology_facts'));
    -- The facts are derived by a later statement, so from a snapshot at
    -- least as new as the one that saw the marks: never older than a
    -- change whose mark is taken off here.
    with marks as (
        delete from technology_facts_stale returning technology_id
    )
    select array_agg(distinct technology_id) into ids from marks;
    if ids is null then
        return 0;
    end if;
    with facets as (
        select f.* from report.technology_facets f where f.technology_id = any(ids)
    ), codes as (
        select c.technology_id,
               coalesce(array_agg(c.code order by c.code) filter (where c.dimension = 'subtype'), '{}') as subtype,
               coalesce(array_agg(c.code order by c.code) filter (where c.dimension = 'clinical_area'), '{}') as clinical_area,
               coalesce(array_agg(c.code order by c.code) filter (where c.dimension = 'workforce_group'), '{}') as workforce_group,
               coalesce(array_agg(c.code order by c.code) filter (where c.dimension = 'point_of_care'), '{}') as point_of_care,
               coalesce(array_agg(c.code order by c.code) filter (where c.dimension = 'horizon'), '{}') as horizon,
               coalesce(array_agg(c.code order by c.code) filter (where c.dimension = 'region'), '{}') as region
        from report.technology_codes c
        where c.technology_id = any(ids)
        group by 1
    ), docs as (
        select d.technology_id, array_agg(d.source_id order by d.published_at, d.document_id) as document_sources,
               array_agg(d.published_at order by d.published_at, d.document_id) as document_dates
        from report.technology_documents d
        where d.technology_id = any(ids)
        group by 1
    ), upserted as (
        insert into technology_facts as tf (technology_id, counted, version, type, name, vendor, subtype, clinical_area,
                                            workforce_group, point_of_care, horizon, region, document_sources, document_dates)
        select i.technology_id, f.technology_id is not null, nextval('technology_facts_version'),
               coalesce(f.type, ''), coalesce(f.name, ''), coalesce(f.vendor, ''),
               coalesce(c.subtype, '{}'), coalesce(c.clinical_area, '{}'), coalesce(c.workforce_group, '{}'),
               coalesce(c.point_of_care, '{}'), coalesce(c.horizon, '{}'), coalesce(c.region, '{}'),
               coalesce(d.document_sources, '{}'), coalesce(d.document_dates, '{}')
        from unnest(ids) as i(technology_id)
        left join facets f on f.technology_id = i.technology_id
        left join codes c on c.technology_id = i.technology_id
        left join docs d on d.technology_id = i.technology_id
        on conflict (technology_id) do update set
            counted = excluded.counted, version = excluded.version, type = excluded.type, name = excluded.name,
            vendor = excluded.vendor, subtype = excluded.subtype, clinical_area = excluded.clinical_area,
            workforce_group = excluded.workforce_group, point_of_care = excluded.point_of_care,
            horizon = excluded.horizon, region = excluded.region, document_sources = excluded.document_sources,
            document_dates = excluded.document_dates
        returning 1
    )
    select count(*) into n from upserted;
    return n;
end
$$;

-- The dashboard's source health counts each source's documents and finds
-- its newest: both from this index (0.2 s to 1 ms at 100,000 documents),
-- which also serves every lookup the one on source_id alone did.
create index documents_source_updated_idx on documents (source_id, updated_at);
drop index documents_source_idx;

-- The review queue's order among the items not yet decided: its first
-- page and "claim next" read it in order instead of sorting every open
-- item (60 ms to 1 ms at 100,000 open items).
create index review_items_open_queue_idx on review_items (priority desc, opened_at, id) where state <> 'decided';

-- Every technology there is, stale: the first refresh derives them all.
insert into technology_facts_stale (technology_id) select id from technologies;

-- For readers' own tools: the counted technologies' facts.
create view report.technology_facts as
select technology_id, type, name, vendor, subtype, clinical_area, workforce_group, point_of_care, horizon, region,
       document_sources, document_dates
from technology_facts
where counted;

-- For a reader that keeps the facts itself (the review app's dashboard):
-- every row with its version, including those no longer counted.
create view report.technology_facts_versions as
select * from technology_facts;

grant select on all tables in schema report to horizon_reader;

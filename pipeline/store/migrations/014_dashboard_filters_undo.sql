-- The dashboard's filter bar (issue 15): every widget counts the same
-- filtered set of technologies, so the filters need a technology's
-- documents (source, publication date) inside the report schema, and a
-- technology's main type chosen by the weight of evidence rather than by
-- the alphabet when a merge left it with two.

-- report.technology_codes gains the rules' score (null for an analyst's
-- code), so the main type is the analyst's, else the best-scored.
create or replace view report.technology_codes as
select a.technology_id, a.dimension, a.code, 'rules' as source, a.score
from technology_auto_codes a
join technologies t on t.id = a.technology_id
where t.merged_into is null
  and not exists (select 1 from technology_codes d where d.technology_id = a.technology_id and d.dimension = a.dimension)
  and not exists (select 1 from technology_exclusions x where x.technology_id = a.technology_id)
union all
select c.technology_id, c.dimension, c.code, 'analyst', null::double precision
from technology_codes c
join technologies t on t.id = c.technology_id
where t.merged_into is null
  and not exists (select 1 from technology_exclusions x where x.technology_id = c.technology_id);

create or replace view report.technologies as
select t.id as technology_id, t.name, t.vendor, t.first_seen,
       coalesce(d.documents, 0) as documents, d.first_published,
       (select c.code from report.technology_codes c where c.technology_id = t.id and c.dimension = 'type'
         order by c.source = 'analyst' desc, c.score desc nulls last, c.code limit 1) as type,
       d.latest_published,
       m.regulatory_marks
from technologies t
join dashboard_technologies k on k.id = t.id
left join (
    select dt.technology_id, count(*) as documents, min(doc.published_at) as first_published,
           max(doc.published_at) as latest_published
    from document_technologies dt join documents doc on doc.id = dt.document_id
    group by 1
) d on d.technology_id = t.id
left join (
    select technology_id, string_agg(trim(name || ' ' || reference), '; ' order by name, reference) as regulatory_marks
    from report.technology_marks
    group by 1
) m on m.technology_id = t.id;

-- Every technology's announcements: which source, when published (or
-- first seen, when the page gave no date). Join report.technologies (or
-- report.technology_facets) for the technologies dashboards count.
create view report.technology_documents as
select dt.technology_id, dt.document_id, d.source_id, coalesce(d.published_at, d.first_seen) as published_at
from document_technologies dt
join documents d on d.id = dt.document_id;

-- The technologies dashboards count with what the filters need, cheaply.
-- Same rows and main type as report.technologies (a test holds them
-- equal), read from the tables rather than through report.technology_codes,
-- whose per-row exclusions cost a filter 0.2 s at 10,000 technologies:
-- counted = not merged, not excluded, with a relevance code (an analyst's or
-- the rules'); main type = the analyst's (the first by code), else the
-- rules' best-scored.
create view report.technology_facets as
select t.id as technology_id, coalesce(at.code, au.code) as type, t.name, t.vendor
from technologies t
left join (
    select technology_id, min(code) as code from technology_codes where dimension = 'type' group by 1
) at on at.technology_id = t.id
left join (
    select distinct on (technology_id) technology_id, code from technology_auto_codes
    where dimension = 'type' order by technology_id, score desc, code
) au on au.technology_id = t.id
where t.merged_into is null
  and not exists (select 1 from technology_exclusions x where x.technology_id = t.id)
  and (exists (select 1 from technology_codes c where c.technology_id = t.id and c.dimension = 'relevance')
       or exists (select 1 from technology_auto_codes a where a.technology_id = t.id and a.dimension = 'relevance'));

-- Undo (issue 15): a decision that reverses an earlier one, kept in the
-- history beside it. A merge records what it moved, a correction the codes
-- and a rename the name it replaced, so their undo puts exactly that back.
alter table review_decisions drop constraint review_decisions_action_check;
alter table review_decisions add constraint review_decisions_action_check
    check (action in ('accept', 'correct', 'not_relevant', 'merge', 'note', 'rename', 'split', 'undo'));
alter table review_decisions
    add column undoes bigint references review_decisions (id),
    add column moved_documents text[],
    add column moved_technologies bigint[],
    add column previous_codes jsonb,
    add column previous_name text,
    add column previous_vendor text,
    add column previous_named_by text;
create unique index review_decisions_undoes_idx on review_decisions (undoes) where undoes is not null;

grant select on all tables in schema report to horizon_reader;

-- How fresh the data is, for the dashboard's "as of": the newest document
-- loaded and the newest analyst decision (both found by index).
create index if not exists documents_first_seen_idx on documents (first_seen);
create index if not exists review_decisions_decided_at_idx on review_decisions (decided_at);
create view report.freshness as
select (select max(first_seen) from documents) as latest_document_at,
       (select max(decided_at) from review_decisions) as latest_decision_at;

grant select on all tables in schema report to horizon_reader;

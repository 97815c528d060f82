-- Technologies named by their product and developer (issue 12): variant
-- spellings found by trigram similarity, the regulatory marks documents
-- report, analysts' renames and splits, and the technology profile.

-- Trigram similarity of normalised names (a trusted extension: the
-- database's owner may create it).
create extension if not exists pg_trgm;
create index technologies_name_trgm_idx on technologies using gin (name_key gin_trgm_ops)
    where merged_into is null;

-- Who named a technology: the loader (rules), or an analyst, whose name and
-- vendor no automatic run changes. A technology known by its developer
-- only is also known by what it does (its best subtype, else its type):
-- what.
alter table technologies
    add column named_by text not null default 'rules' check (named_by in ('rules', 'analyst')),
    add column what text;
create index technologies_vendor_key_idx on technologies (vendor_key) where merged_into is null;

-- The regulatory marks each classification reports (pipeline/marks):
-- kind (a code of rules/marks/marks.yaml), its reference, the evidence.
create table document_marks (
    document_id       text not null references documents (id),
    rule_set_version  text not null,
    kind              text not null,
    reference         text not null default '',
    evidence          jsonb not null default '[]',
    primary key (document_id, rule_set_version, kind, reference)
);

-- Analysts rename a technology, set its vendor, and split documents off a
-- wrong merge into a technology of their own.
alter table review_decisions drop constraint review_decisions_action_check;
alter table review_decisions add constraint review_decisions_action_check
    check (action in ('accept', 'correct', 'not_relevant', 'merge', 'note', 'rename', 'split'));
alter table review_decisions
    add column new_name text,
    add column new_vendor text,
    add column split_documents text[],
    add column split_into bigint references technologies (id);

-- The marks of each document's current classification.
create view report.document_marks as
select m.document_id, m.kind, m.reference
from document_marks m
join report.current_classifications cc
  on cc.document_id = m.document_id and cc.rule_set_version = m.rule_set_version;

-- Each technology's regulatory marks: kind, its name, the reference, when a
-- document first reported it and how many do.
create view report.technology_marks as
select dt.technology_id, m.kind, coalesce(r.name, m.kind) as name, m.reference,
       min(coalesce(d.published_at, d.first_seen)) as first_seen, count(distinct m.document_id) as documents
from document_technologies dt
join dashboard_technologies k on k.id = dt.technology_id
join report.document_marks m on m.document_id = dt.document_id
join documents d on d.id = dt.document_id
left join reference_codes r on r.dimension = 'mark' and r.code = m.kind
group by 1, 2, 3, 4;

-- report.technologies gains its newest announcement and its marks (as
-- text, "CE mark Class IIa; FDA 510(k) clearance K192854"), at the end.
create or replace view report.technologies as
select t.id as technology_id, t.name, t.vendor, t.first_seen,
       coalesce(d.documents, 0) as documents, d.first_published,
       (select c.code from report.technology_codes c where c.technology_id = t.id and c.dimension = 'type'
         order by c.source = 'analyst' desc, c.code limit 1) as type,
       d.latest_published,
       (select string_agg(trim(m.name || ' ' || m.reference), '; ' order by m.name, m.reference)
          from report.technology_marks m where m.technology_id = t.id) as regulatory_marks
from technologies t
join dashboard_technologies k on k.id = t.id
left join (
    select dt.technology_id, count(*) as documents, min(doc.published_at) as first_published,
           max(doc.published_at) as latest_published
    from document_technologies dt join documents doc on doc.id = dt.document_id
    group by 1
) d on d.technology_id = t.id;

-- Where a technology has been named, month by month: the NHS organisations
-- (trusts, integrated care boards) its announcements name, with their
-- regions. The spread the HEE heat map shows.
create view report.technology_spread as
select dt.technology_id, date_trunc('month', coalesce(d.published_at, d.first_seen))::date as month,
       o.kind, o.id as organisation_id, o.name as organisation, o.region,
       count(distinct dt.document_id) as documents
from document_technologies dt
join dashboard_technologies k on k.id = dt.technology_id
join documents d on d.id = dt.document_id
join document_organisations do_ on do_.document_id = dt.document_id
join organisations o on o.kind = do_.kind and o.id = do_.org_id
where o.kind in ('nhs_trust', 'nhs_icb')
group by 1, 2, 3, 4, 5, 6;

-- One row per technology with all a reader needs: its names, its codes by
-- dimension (names, not codes), its marks, its sightings and its spread.
create view report.technology_profile as
select t.technology_id, t.name, t.vendor, t.type,
       (select r.name from reference_codes r where r.dimension = 'type' and r.code = t.type) as type_name,
       array(select coalesce(r.name, c.code) from report.technology_codes c
             left join reference_codes r on r.dimension = c.dimension and r.code = c.code
             where c.technology_id = t.technology_id and c.dimension = 'subtype' order by 1) as subtypes,
       array(select coalesce(r.name, c.code) from report.technology_codes c
             left join reference_codes r on r.dimension = c.dimension and r.code = c.code
             where c.technology_id = t.technology_id and c.dimension = 'clinical_area' order by 1) as clinical_areas,
       array(select coalesce(r.name, c.code) from report.technology_codes c
             left join reference_codes r on r.dimension = c.dimension and r.code = c.code
             where c.technology_id = t.technology_id and c.dimension = 'workforce_group' order by 1) as workforce_groups,
       array(select coalesce(r.name, c.code) from report.technology_codes c
             left join reference_codes r on r.dimension = c.dimension and r.code = c.code
             where c.technology_id = t.technology_id and c.dimension = 'point_of_care' order by 1) as points_of_care,
       (select coalesce(r.name, c.code) from report.technology_codes c
             left join reference_codes r on r.dimension = c.dimension and r.code = c.code
             where c.technology_id = t.technology_id and c.dimension = 'stage'
             order by c.source = 'analyst' desc, c.code limit 1) as stage,
       (select coalesce(r.name, c.code) from report.technology_codes c
             left join reference_codes r on r.dimension = c.dimension and r.code = c.code
             where c.technology_id = t.technology_id and c.dimension = 'horizon'
             order by c.source = 'analyst' desc, c.code limit 1) as horizon,
       array(select coalesce(r.name, c.code) from report.technology_codes c
             left join reference_codes r on r.dimension = c.dimension and r.code = c.code
             where c.technology_id = t.technology_id and c.dimension = 'region' order by 1) as regions,
       array(select distinct s.organisation from report.technology_spread s
             where s.technology_id = t.technology_id order by 1) as nhs_organisations,
       t.regulatory_marks,
       t.documents, t.first_seen, t.first_published, t.latest_published
from report.technologies t;

grant select on all tables in schema report to horizon_reader;

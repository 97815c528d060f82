-- report.technologies read each technology's marks through a subquery per
-- row, and each ran report.technology_marks, whose current classifications
-- are a DISTINCT ON over every classification: 8 s for a dashboard of
-- 10,000 technologies (BENCHMARKS.md, issue 12). The marks are now
-- aggregated once and joined. Same columns, same meaning.
create or replace view report.technologies as
select t.id as technology_id, t.name, t.vendor, t.first_seen,
       coalesce(d.documents, 0) as documents, d.first_published,
       (select c.code from report.technology_codes c where c.technology_id = t.id and c.dimension = 'type'
         order by c.source = 'analyst' desc, c.code limit 1) as type,
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

grant select on all tables in schema report to horizon_reader;

-- A document's marks under its current classification, found per mark (few
-- documents report one) rather than by ranking every classification.
create or replace view report.document_marks as
select m.document_id, m.kind, m.reference
from document_marks m
where m.rule_set_version = (
    select c.rule_set_version from classifications c where c.document_id = m.document_id
    order by c.classified_at desc, c.rule_set_version limit 1);

grant select on all tables in schema report to horizon_reader;

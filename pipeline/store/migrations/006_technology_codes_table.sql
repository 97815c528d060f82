-- Each technology's automatic codes, kept as a table by the loader (and by
-- merges) instead of computed in report.technology_codes from every
-- document's current classification at every query: at 10,000 technologies
-- the computed view took the dashboard past 20 seconds.

create table technology_auto_codes (
    technology_id  bigint not null,
    dimension      text not null,
    code           text not null,
    score          double precision not null,
    primary key (technology_id, dimension, code)
);
create index technology_auto_codes_code_idx on technology_auto_codes (dimension, code);

-- Recompute the automatic codes of the technologies given from the current
-- classifications of their documents. The caller first locks the rows in
-- technologies of those that existed before its transaction, in id order
-- (FOR NO KEY UPDATE), so that two writers refreshing one technology take
-- turns and see each other's committed work rather than deadlock.
create function refresh_technology_auto_codes(ids bigint[]) returns void
language plpgsql as $$
begin
    delete from technology_auto_codes where technology_id = any(ids);
    insert into technology_auto_codes (technology_id, dimension, code, score)
    select dt.technology_id, l.dimension, l.code, max(l.score)
    from document_technologies dt
    join lateral (
        select c.rule_set_version from classifications c
        where c.document_id = dt.document_id
        order by c.classified_at desc, c.rule_set_version
        limit 1
    ) cc on true
    join labels l on l.document_id = dt.document_id and l.rule_set_version = cc.rule_set_version
    where dt.technology_id = any(ids)
    group by 1, 2, 3;
end
$$;

select refresh_technology_auto_codes(array(select id from technologies order by id));

create or replace view report.technology_codes as
select a.technology_id, a.dimension, a.code, 'rules' as source
from technology_auto_codes a
join technologies t on t.id = a.technology_id
where t.merged_into is null
  and not exists (select 1 from technology_codes d where d.technology_id = a.technology_id and d.dimension = a.dimension)
  and not exists (select 1 from technology_exclusions x where x.technology_id = a.technology_id)
union all
select c.technology_id, c.dimension, c.code, 'analyst'
from technology_codes c
join technologies t on t.id = c.technology_id
where t.merged_into is null
  and not exists (select 1 from technology_exclusions x where x.technology_id = c.technology_id);

-- The technologies dashboards count, as ids: relevant, not merged, not
-- excluded. The report views join it rather than report.technologies,
-- whose per-technology columns they do not need.
create view dashboard_technologies as
select t.id
from technologies t
where t.merged_into is null
  and exists (select 1 from report.technology_codes c where c.technology_id = t.id and c.dimension = 'relevance')
  and not exists (select 1 from technology_exclusions x where x.technology_id = t.id);

create or replace view report.technologies as
select t.id as technology_id, t.name, t.vendor, t.first_seen,
       coalesce(d.documents, 0) as documents, d.first_published,
       (select c.code from report.technology_codes c where c.technology_id = t.id and c.dimension = 'type'
         order by c.source = 'analyst' desc, c.code limit 1) as type
from technologies t
join dashboard_technologies k on k.id = t.id
left join (
    select dt.technology_id, count(*) as documents, min(doc.published_at) as first_published
    from document_technologies dt join documents doc on doc.id = dt.document_id
    group by 1
) d on d.technology_id = t.id;

create or replace view report.distribution as
select c.dimension, c.code, r.name, count(distinct c.technology_id) as technologies
from report.technology_codes c
join dashboard_technologies t on t.id = c.technology_id
left join reference_codes r on r.dimension = c.dimension and r.code = c.code
where c.dimension in ('type', 'subtype')
group by 1, 2, 3;

create or replace view report.profile as
select ty.code as type, c.dimension, c.code, r.name, count(distinct c.technology_id) as technologies
from report.technology_codes ty
join report.technology_codes c on c.technology_id = ty.technology_id
join dashboard_technologies t on t.id = c.technology_id
left join reference_codes r on r.dimension = c.dimension and r.code = c.code
where ty.dimension = 'type'
  and c.dimension in ('subtype', 'clinical_area', 'workforce_group', 'point_of_care', 'stage', 'horizon', 'region')
group by 1, 2, 3, 4;

create or replace view report.point_of_care_by_horizon as
select p.code as point_of_care, h.code as horizon, count(distinct p.technology_id) as technologies
from report.technology_codes p
join report.technology_codes h on h.technology_id = p.technology_id and h.dimension = 'horizon'
join dashboard_technologies t on t.id = p.technology_id
where p.dimension = 'point_of_care'
group by 1, 2;

create or replace view report.regions as
select c.code as region, r.name, count(distinct c.technology_id) as technologies
from report.technology_codes c
join dashboard_technologies t on t.id = c.technology_id
left join reference_codes r on r.dimension = c.dimension and r.code = c.code
where c.dimension = 'region'
group by 1, 2;

create or replace view report.code_counts as
select c.dimension, c.code, r.name, count(distinct c.technology_id) as technologies
from report.technology_codes c
join dashboard_technologies t on t.id = c.technology_id
left join reference_codes r on r.dimension = c.dimension and r.code = c.code
group by 1, 2, 3;

grant select on all tables in schema report to horizon_reader;

-- Technologies (the unit dashboards count), the organisations documents
-- name, review items with their append-only decision trail, analyst codes
-- that win over automatic ones, and the reference codes from rules/.

-- Reference codes, loaded from the rules' taxonomy at every loader start.
create table reference_codes (
    dimension  text not null,
    code       text not null,
    name       text not null,
    primary key (dimension, code)
);

create table technologies (
    id          bigserial primary key,
    -- How the technology is recognised: "product:<slug>", "vendor:<slug>",
    -- or "document:<id>" for one known only from its announcement.
    key         text not null unique,
    name        text not null,
    vendor      text,
    first_seen  timestamptz not null default now(),
    -- Set when an analyst merges this technology into another.
    merged_into bigint references technologies (id)
);

create table document_technologies (
    document_id    text primary key references documents (id),
    technology_id  bigint not null references technologies (id),
    matched_by     text not null check (matched_by in ('product', 'vendor', 'document', 'analyst')),
    linked_at      timestamptz not null default now()
);
create index document_technologies_tech_idx on document_technologies (technology_id);

create table organisations (
    kind    text not null,
    id      text not null,
    name    text not null,
    region  text,
    vendor  text,
    primary key (kind, id)
);

create table document_organisations (
    document_id  text not null references documents (id),
    kind         text not null,
    org_id       text not null,
    primary key (document_id, kind, org_id),
    foreign key (kind, org_id) references organisations (kind, id)
);

-- One review item per document: reasons accumulate, an analyst decides.
create table review_items (
    id             bigserial primary key,
    document_id    text not null unique references documents (id),
    technology_id  bigint references technologies (id),
    reasons        text[] not null,
    priority       integer not null default 0,
    state          text not null default 'open' check (state in ('open', 'claimed', 'decided')),
    claimed_by     text,
    claimed_until  timestamptz,
    opened_at      timestamptz not null default now(),
    decided_at     timestamptz
);
create index review_items_queue_idx on review_items (state, priority desc, opened_at);

-- Who decided what, when: rows are only ever added.
create table review_decisions (
    id              bigserial primary key,
    review_item_id  bigint references review_items (id),
    technology_id   bigint references technologies (id),
    analyst         text not null,
    action          text not null check (action in ('accept', 'correct', 'not_relevant', 'merge', 'note')),
    codes           jsonb,
    note            text,
    decided_at      timestamptz not null default now()
);

-- An analyst's codes for a technology, per dimension: they replace the
-- automatic codes of that dimension in every report view.
create table technology_codes (
    technology_id  bigint not null references technologies (id),
    dimension      text not null,
    code           text not null,
    decision_id    bigint not null references review_decisions (id),
    primary key (technology_id, dimension, code)
);

-- An analyst's verdict that a technology is not relevant.
create table technology_exclusions (
    technology_id  bigint primary key references technologies (id),
    decision_id    bigint not null references review_decisions (id)
);

-- Each technology's current codes: for a dimension an analyst has decided,
-- the analyst's codes; otherwise the codes of its documents' current
-- classifications. Merged and excluded technologies are left out.
create view report.technology_codes as
with auto as (
    select dt.technology_id, l.dimension, l.code, max(l.score) as score
    from document_technologies dt
    join report.document_labels l on l.document_id = dt.document_id
    group by 1, 2, 3
), decided as (
    select distinct technology_id, dimension from technology_codes
)
select t.id as technology_id, a.dimension, a.code, 'rules' as source
from technologies t
join auto a on a.technology_id = t.id
where t.merged_into is null
  and not exists (select 1 from decided d where d.technology_id = t.id and d.dimension = a.dimension)
  and not exists (select 1 from technology_exclusions x where x.technology_id = t.id)
union all
select t.id, c.dimension, c.code, 'analyst'
from technologies t
join technology_codes c on c.technology_id = t.id
where t.merged_into is null
  and not exists (select 1 from technology_exclusions x where x.technology_id = t.id);

-- The technologies dashboards count: relevant, not merged, not excluded.
create view report.technologies as
select t.id as technology_id, t.name, t.vendor, t.first_seen,
       (select count(*) from document_technologies dt where dt.technology_id = t.id) as documents,
       (select min(d.published_at) from document_technologies dt join documents d on d.id = dt.document_id
         where dt.technology_id = t.id) as first_published,
       (select c.code from report.technology_codes c where c.technology_id = t.id and c.dimension = 'type'
         order by c.source = 'analyst' desc, c.code limit 1) as type
from technologies t
where t.merged_into is null
  and exists (select 1 from report.technology_codes c where c.technology_id = t.id and c.dimension = 'relevance')
  and not exists (select 1 from technology_exclusions x where x.technology_id = t.id);

-- Distribution by type and subtype (HEE section 1).
create view report.distribution as
select c.dimension, c.code, r.name, count(distinct c.technology_id) as technologies
from report.technology_codes c
join report.technologies t on t.technology_id = c.technology_id
left join reference_codes r on r.dimension = c.dimension and r.code = c.code
where c.dimension in ('type', 'subtype')
group by 1, 2, 3;

-- Use-case profiles: for each type, the other codes its technologies carry
-- (HEE section 2; also the overview by clinical area, workforce group, point
-- of care and time to deployment, section 4).
create view report.profile as
select ty.code as type, c.dimension, c.code, r.name, count(distinct c.technology_id) as technologies
from report.technology_codes ty
join report.technology_codes c on c.technology_id = ty.technology_id
join report.technologies t on t.technology_id = c.technology_id
left join reference_codes r on r.dimension = c.dimension and r.code = c.code
where ty.dimension = 'type'
  and c.dimension in ('subtype', 'clinical_area', 'workforce_group', 'point_of_care', 'stage', 'horizon', 'region')
group by 1, 2, 3, 4;

-- Point of care × time to deployment (HEE section 4).
create view report.point_of_care_by_horizon as
select p.code as point_of_care, h.code as horizon, count(distinct p.technology_id) as technologies
from report.technology_codes p
join report.technology_codes h on h.technology_id = p.technology_id and h.dimension = 'horizon'
join report.technologies t on t.technology_id = p.technology_id
where p.dimension = 'point_of_care'
group by 1, 2;

-- Spread by NHS region (HEE section 3: the heat map).
create view report.regions as
select c.code as region, r.name, count(distinct c.technology_id) as technologies
from report.technology_codes c
join report.technologies t on t.technology_id = c.technology_id
left join reference_codes r on r.dimension = c.dimension and r.code = c.code
where c.dimension = 'region'
group by 1, 2;

-- The review backlog.
create view report.review_backlog as
select state, unnest(reasons) as reason, count(*) as items, min(opened_at) as oldest
from review_items
group by 1, 2;

grant select on all tables in schema report to horizon_reader;

-- The review app's accounts and sessions, and the last views its dashboard
-- reads: code counts for every dimension and dead letters by stage.

create table users (
    name           text primary key,
    password_hash  text not null,
    role           text not null check (role in ('reader', 'analyst', 'admin')),
    created_at     timestamptz not null default now(),
    disabled       boolean not null default false
);

-- A session is found by the SHA-256 of its cookie, so a leaked table does
-- not hand out live cookies.
create table sessions (
    token_hash  bytea primary key,
    user_name   text not null references users (name) on delete cascade,
    csrf_token  text not null,
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null
);
create index sessions_expiry_idx on sessions (expires_at);

-- How many dashboard technologies carry each code, every dimension
-- (HEE sections 2 and 4: clinical areas, workforce groups, point of care,
-- time to deployment, stage).
create view report.code_counts as
select c.dimension, c.code, r.name, count(distinct c.technology_id) as technologies
from report.technology_codes c
join report.technologies t on t.technology_id = c.technology_id
left join reference_codes r on r.dimension = c.dimension and r.code = c.code
group by 1, 2, 3;

-- Dead letters by stage and reason, for pipeline health.
create view report.dead_letter_summary as
select stage, reason, count(*) as messages, sum(count) as deliveries, max(last_seen) as last_seen
from dead_letters
group by 1, 2;

grant select on all tables in schema report to horizon_reader;

-- A merge decision names the technology merged into.
alter table review_decisions add column merge_into bigint references technologies (id);

-- The review app's dashboard takes the reader role on its own connection:
-- let the user that runs the migrations (and the app) take it.
-- (A superuser may take any role already. Roles belong to the cluster, so
-- another database's migration may grant it at the same moment.)
do $$
begin
    if not pg_has_role(current_user, 'horizon_reader', 'member') then
        execute format('grant horizon_reader to %I', current_user);
    end if;
exception
    when unique_violation then
        null;
    when insufficient_privilege or invalid_grant_operation then
        raise notice 'could not grant horizon_reader to %: grant it by hand', current_user;
end
$$;

-- Dead letters can be sent back to the stage that gave up on them
-- (loader deadletters redrive). A redriven letter stays for the record;
-- dead-lettered again, it is open again.
alter table dead_letters add column redriven_at timestamptz;
alter table dead_letters add column redrives integer not null default 0;
create index dead_letters_open_idx on dead_letters (stage) where redriven_at is null;

-- Appends open: how many of the messages are not yet sent back.
create or replace view report.dead_letter_summary as
select stage, reason, count(*) as messages, sum(count) as deliveries, max(last_seen) as last_seen,
       count(*) filter (where redriven_at is null) as open
from dead_letters
group by 1, 2;

grant select on report.dead_letter_summary to horizon_reader;

-- Technologies are also recognised by normalised names: the same product
-- (or vendor) under another gazetteer id or spelling is the same technology.

-- The normalised form of a product or vendor name: lower case, a trailing
-- company suffix dropped, ASCII punctuation, spaces, ® and ™ removed
-- ("Brainomix Ltd." → "brainomix", "e-Stroke" → "estroke"). The character
-- ranges are explicit so that the key does not depend on the database's
-- locale.
create function technology_name_key(name text) returns text
language sql immutable parallel safe as $$
    select nullif(regexp_replace(
        regexp_replace(lower(coalesce(name, '')),
            '((\s|,)+(ltd|limited|plc|inc|llc|gmbh|corp|corporation|company|group|holdings)\.?)+\s*$', ''),
        '[^a-z0-9\u00c0-\u2121\u2123-\uffff]+', '', 'g'), '')
$$;

alter table technologies
    add column name_key text generated always as (technology_name_key(name)) stored,
    add column vendor_key text generated always as (technology_name_key(vendor)) stored;
create index technologies_name_key_idx on technologies (name_key) where merged_into is null;

-- A merge always points at a technology that is not merged itself.
update technologies t set merged_into = r.merged_into
from technologies r
where t.merged_into = r.id and r.merged_into is not null;

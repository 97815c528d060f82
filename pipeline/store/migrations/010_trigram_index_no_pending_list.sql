-- The trigram index of technology names holds products only, the only
-- technologies sought by a similar name, and takes each new name at once.
-- With GIN's pending list (fastupdate, the default), names inserted since
-- the last vacuum wait in a list the planner counts against the index: a
-- loader writing thousands of new products found the similar-name search
-- a sequential scan of every technology for every new product, 5 s a
-- batch. Indexing every technology at once instead made each batch of
-- unnamed ones pay 200 ms for entries never sought (BENCHMARKS.md, issue
-- 12).
drop index technologies_name_trgm_idx;
create index technologies_product_name_trgm_idx on technologies using gin (name_key gin_trgm_ops)
    with (fastupdate = off)
    where merged_into is null and split_part(key, ':', 1) = 'product';

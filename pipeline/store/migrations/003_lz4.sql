-- Compress the large columns with lz4 rather than the default pglz: several
-- times faster to write and read, at a similar size. Rows already stored
-- keep their compression. A server built without lz4 keeps the default.
do $$
begin
    alter table documents alter column body set compression lz4;
    alter table labels alter column evidence set compression lz4;
exception when feature_not_supported then
    raise notice 'lz4 compression not available: keeping the default';
end
$$;

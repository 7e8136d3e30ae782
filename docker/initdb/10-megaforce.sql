-- Run by the postgres image's entrypoint on the first start of an empty data
-- directory, in the database POSTGRES_DB: megaforce at head (the control
-- file's default_version).
CREATE EXTENSION megaforce;

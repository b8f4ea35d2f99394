-- One database per service: a service owns its data and no other service reads its tables.
-- Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d), as
-- POSTGRES_USER, who therefore owns both. Each service creates its own schema and tables in its
-- database through its migrations at start-up.
CREATE DATABASE key_service;
CREATE DATABASE usage_service;

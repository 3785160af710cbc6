-- 001: the initial store.
-- Current records live in `incidents` and `inquiries`; earlier versions live in `*_history`
-- keyed by (id, row_hash) with the import that first wrote it (since the import-speed change a
-- version enters the history when a newer one replaces it; stores written before also hold
-- copies of current versions there, which is harmless); `*_imported` lists
-- which records (and which version) each import contained, so an import can be undone exactly.

CREATE SEQUENCE import_id_seq START 1;

CREATE TABLE imports (
    import_id        INTEGER PRIMARY KEY,
    kind             VARCHAR NOT NULL,
    file_name        VARCHAR NOT NULL,
    sheet            VARCHAR,
    header_row       INTEGER,
    content_hash     VARCHAR NOT NULL,
    imported_at      TIMESTAMP NOT NULL,
    rows_read        INTEGER NOT NULL,
    stored_new       INTEGER NOT NULL,
    stored_updated   INTEGER NOT NULL,
    unchanged        INTEGER NOT NULL,
    exact_duplicates INTEGER NOT NULL,
    rejected         INTEGER NOT NULL,
    mapping          VARCHAR,            -- JSON: column header -> field
    is_demo          BOOLEAN NOT NULL DEFAULT false,
    undone_at        TIMESTAMP
);

CREATE TABLE rejected_rows (
    import_id   INTEGER NOT NULL,
    row_number  INTEGER NOT NULL,
    reasons     VARCHAR[] NOT NULL,
    raw         VARCHAR NOT NULL        -- JSON object: original header -> cell text
);

CREATE TABLE header_mappings (
    signature   VARCHAR NOT NULL,       -- normalised, sorted headers of the sheet
    kind        VARCHAR NOT NULL,
    mapping     VARCHAR NOT NULL,       -- JSON: header -> field
    saved_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (signature, kind)
);

CREATE TABLE incidents (
    incident_id               VARCHAR PRIMARY KEY,
    case_id                   VARCHAR,
    department                VARCHAR NOT NULL,
    unit                      VARCHAR,
    occurred_on               DATE NOT NULL,
    registered_on             DATE,
    channel                   VARCHAR,
    harassment_type           VARCHAR NOT NULL,
    severity                  VARCHAR,
    citizen_ref               VARCHAR,
    employee_ref              VARCHAR,
    documented                BOOLEAN,
    documentation_form        VARCHAR,
    warning_given             BOOLEAN,
    warning_on                DATE,
    police_reported           BOOLEAN,
    police_reported_on        DATE,
    decided_by                VARCHAR,
    work_accident_reported    BOOLEAN,
    work_accident_reported_on DATE,
    absence_days              INTEGER,
    notes                     VARCHAR,
    import_id                 INTEGER NOT NULL,
    row_hash                  VARCHAR NOT NULL
);

CREATE TABLE incidents_history AS SELECT * FROM incidents WITH NO DATA;
CREATE TABLE incidents_imported (
    import_id   INTEGER NOT NULL,
    record_id   VARCHAR NOT NULL,
    row_hash    VARCHAR NOT NULL
);

CREATE TABLE inquiries (
    inquiry_id       VARCHAR PRIMARY KEY,
    department       VARCHAR NOT NULL,
    unit             VARCHAR,
    inquiry_type     VARCHAR NOT NULL,
    received_on      DATE NOT NULL,
    deadline_on      DATE NOT NULL,
    answered_on      DATE,
    citizen_ref      VARCHAR,
    deadline_source  VARCHAR NOT NULL,  -- 'file' or 'default' (type default applied)
    import_id        INTEGER NOT NULL,
    row_hash         VARCHAR NOT NULL
);

CREATE TABLE inquiries_history AS SELECT * FROM inquiries WITH NO DATA;
CREATE TABLE inquiries_imported (
    import_id   INTEGER NOT NULL,
    record_id   VARCHAR NOT NULL,
    row_hash    VARCHAR NOT NULL
);

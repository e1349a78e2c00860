//! Backup files that must be refused, each leaving every table as it was: truncated or corrupt
//! files, another table's file, incompatible schemas, invalid and repeated records, and names
//! leading out of the backup folder.

use super::*;

/// Where the header (with its sync marker) and each block end.
fn block_ends(bytes: &[u8]) -> Vec<usize> {
    let mut rest = &bytes[4..];
    apache_avro::from_avro_datum(
        &apache_avro::Schema::map(apache_avro::Schema::Bytes),
        &mut rest,
        None,
    )
    .unwrap();
    let header_end = bytes.len() - rest.len() + 16;
    let marker = &bytes[header_end - 16..header_end];
    let mut ends = vec![header_end];
    let mut at = header_end;
    while let Some(next) = bytes[at..].windows(16).position(|w| w == marker) {
        at += next + 16;
        ends.push(at);
    }
    ends
}

/// `bytes` with the first `from` replaced by `to`.
fn replace_once(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("the text to replace");
    [&bytes[..at], to, &bytes[at + from.len()..]].concat()
}

pub(super) fn truncated_and_corrupt_files_are_refused(db: &TestDb) {
    let setup = Setup::new(db);
    let many = Contents {
        departments: (1..=3).map(dept).collect(),
        jobs: (1..=3).map(job).collect(),
        hires: (1..=30_000)
            .map(|i| hire(i, i % 3 + 1, i % 3 + 1))
            .collect(),
    };
    fill(&setup.storage, &many);
    let files = setup.backup_all(Codec::Null);
    let original = std::fs::read(&files[2]).unwrap();
    let ends = block_ends(&original);
    assert!(ends.len() >= 3, "several blocks: {}", ends.len());
    fill(&setup.storage, &small());
    let broken = setup.folder.path().join("broken.avro");

    // Cut exactly between two blocks: still valid Avro, but fewer records than declared.
    std::fs::write(&broken, &original[..ends[1]]).unwrap();
    let err = setup.refused(Table::HiredEmployees, &broken);
    assert!(err.to_string().contains("cut short"), "{err}");

    // Cut in the middle of a block, or in the header.
    for cut in [ends[1] + 1000, original.len() - 1, ends[0] - 5, 10, 0] {
        std::fs::write(&broken, &original[..cut]).unwrap();
        let err = setup.refused(Table::HiredEmployees, &broken);
        assert!(
            matches!(err, RestoreError::Files(BackupError::Corrupt { .. })),
            "cut at {cut}: {err:?}"
        );
    }

    // A damaged sync marker after a block.
    let mut damaged = original.clone();
    damaged[ends[1] - 3] ^= 0xff;
    std::fs::write(&broken, &damaged).unwrap();
    let err = setup.refused(Table::HiredEmployees, &broken);
    assert!(err.to_string().contains("truncated or corrupt"), "{err}");

    // A damaged length inside the data.
    let mut damaged = original.clone();
    damaged[ends[0] + 3] = 0xff;
    damaged[ends[0] + 4] = 0xff;
    std::fs::write(&broken, &damaged).unwrap();
    setup.refused(Table::HiredEmployees, &broken);

    // A schema whose record name is no Avro name (the Avro library panics on it; found by the
    // avro_read fuzz target): same length, so the header stays well formed.
    let renamed = replace_once(&original, b"\"hired_employees\"", b"\"hire#_employees\"");
    std::fs::write(&broken, &renamed).unwrap();
    let err = setup.refused(Table::HiredEmployees, &broken);
    assert!(
        matches!(err, RestoreError::Files(BackupError::Corrupt { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("not an Avro name"), "{err}");

    // A header declaring 2^40 metadata entries (the Avro library would reserve memory for all of
    // them and abort the process; found by the avro_read fuzz target).
    std::fs::write(&broken, b"Obj\x01\x80\x80\x80\x80\x80\x40\x02\x02a").unwrap();
    let err = setup.refused(Table::HiredEmployees, &broken);
    assert!(err.to_string().contains("metadata entries"), "{err}");

    // A snappy block shorter than its checksum: the Avro library panics on it (found by the
    // avro_read fuzz target, kept in fixtures/backups).
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/backups/snappy-block-shorter-than-its-checksum.avro");
    std::fs::copy(&fixture, &broken).unwrap();
    let err = setup.refused(Table::Jobs, &broken);
    assert!(
        matches!(err, RestoreError::Files(BackupError::Corrupt { .. })),
        "{err:?}"
    );

    // Not Avro at all.
    std::fs::write(&broken, b"id,department\n1,Sales\n").unwrap();
    let err = setup.refused(Table::Departments, &broken);
    assert!(
        err.to_string()
            .contains("not an Avro object container file"),
        "{err}"
    );
}

pub(super) fn a_file_of_another_table_is_refused(db: &TestDb) {
    let setup = Setup::new(db);
    fill(&setup.storage, &small());
    let files = setup.backup_all(Codec::Null);
    let err = setup.refused(Table::Departments, &files[1]);
    assert!(
        err.to_string()
            .contains("is a backup of jobs, not of departments"),
        "{err}"
    );
    // Even under the other table's folder and name.
    let disguised = setup
        .files
        .dir()
        .join("departments/departments-20990101T000000Z.avro");
    std::fs::copy(&files[1], &disguised).unwrap();
    let before = contents(&setup.storage);
    let err = setup
        .backups()
        .restore_table(Table::Departments, RestoreSource::Newest)
        .unwrap_err();
    assert!(matches!(err, RestoreError::WrongTable { .. }), "{err:?}");
    assert_eq!(contents(&setup.storage), before);
}

/// Writes `records` of `schema` with `metadata` to `path` with the Avro library directly.
fn write_avro(
    path: &Path,
    schema: &str,
    metadata: &[(&str, &str)],
    records: Vec<Vec<(&str, apache_avro::types::Value)>>,
) {
    use apache_avro::types::Record as AvroRecord;
    let schema = apache_avro::Schema::parse_str(schema).unwrap();
    let mut writer = apache_avro::Writer::new(&schema, Vec::new());
    for (key, value) in metadata {
        writer.add_user_metadata((*key).to_owned(), value).unwrap();
    }
    for fields in records {
        let mut record = AvroRecord::new(&schema).unwrap();
        for (name, value) in fields {
            record.put(name, value);
        }
        writer.append(record).unwrap();
    }
    std::fs::write(path, writer.into_inner().unwrap()).unwrap();
}

pub(super) fn incompatible_schemas_are_refused(db: &TestDb) {
    use apache_avro::types::Value;
    let setup = Setup::new(db);
    fill(&setup.storage, &small());
    let file = setup.folder.path().join("odd.avro");
    let long_ids = r#"{"type":"record","name":"departments","namespace":"hiring",
        "fields":[{"name":"id","type":"long"},{"name":"department","type":"string"}]}"#;
    write_avro(
        &file,
        long_ids,
        &[],
        vec![vec![
            ("id", Value::Long(1)),
            ("department", Value::String("X".into())),
        ]],
    );
    let err = setup.refused(Table::Departments, &file);
    assert!(err.to_string().contains("incompatible schema"), "{err}");

    let extra = r#"{"type":"record","name":"jobs","namespace":"hiring",
        "fields":[{"name":"id","type":"int"},{"name":"job","type":"string"},{"name":"level","type":"int"}]}"#;
    write_avro(&file, extra, &[], vec![]);
    setup.refused(Table::Jobs, &file);

    // The right schema but a future schema version.
    write_avro(
        &file,
        schema_json(Table::Jobs),
        &[(META_SCHEMA_VERSION, "2")],
        vec![],
    );
    let err = setup.refused(Table::Jobs, &file);
    assert!(err.to_string().contains("schema version 2"), "{err}");

    // Metadata claiming another table than the schema.
    write_avro(
        &file,
        schema_json(Table::Jobs),
        &[(META_TABLE, "departments")],
        vec![],
    );
    setup.refused(Table::Departments, &file);
}

pub(super) fn invalid_and_repeated_records_are_refused(db: &TestDb) {
    use apache_avro::types::Value;
    let setup = Setup::new(db);
    fill(&setup.storage, &small());
    let file = setup.folder.path().join("bad.avro");
    let d = |id: i32, name: &str| {
        vec![
            ("id", Value::Int(id)),
            ("department", Value::String(name.into())),
        ]
    };
    write_avro(
        &file,
        schema_json(Table::Departments),
        &[],
        vec![d(1, "A"), d(0, "\u{7}bell")],
    );
    let err = setup.refused(Table::Departments, &file);
    let text = err.to_string();
    assert!(text.contains("record 2 is invalid"), "{text}");
    assert!(text.contains("id: must be a positive integer"), "{text}");
    assert!(
        text.contains("department: must not contain control characters"),
        "{text}"
    );

    write_avro(
        &file,
        schema_json(Table::Departments),
        &[],
        vec![d(1, "A"), d(2, "B"), d(1, "C")],
    );
    let err = setup.refused(Table::Departments, &file);
    assert!(
        err.to_string().contains("departments id 1 more than once"),
        "{err}"
    );

    let h = |micros: i64| {
        vec![
            ("id", Value::Int(1)),
            ("name", Value::String("Ann".into())),
            ("datetime", Value::TimestampMicros(micros)),
            ("department_id", Value::Int(1)),
            ("job_id", Value::Int(1)),
        ]
    };
    write_avro(
        &file,
        schema_json(Table::HiredEmployees),
        &[],
        vec![h(i64::MAX)],
    );
    let err = setup.refused(Table::HiredEmployees, &file);
    assert!(err.to_string().contains("datetime"), "{err}");

    // More records than the file declares.
    write_avro(
        &file,
        schema_json(Table::Departments),
        &[(META_ROWS, "1")],
        vec![d(1, "A"), d(2, "B")],
    );
    let err = setup.refused(Table::Departments, &file);
    assert!(
        err.to_string()
            .contains("more records than the 1 it declares"),
        "{err}"
    );
}

pub(super) fn file_names_are_resolved_only_inside_the_backup_folder(db: &TestDb) {
    let setup = Setup::new(db);
    fill(&setup.storage, &small());
    let files = setup.backup_all(Codec::Null);
    let name = files[1].file_name().unwrap().to_str().unwrap().to_owned();
    // A bare name is looked up in the table's folder, a relative path from the backup folder.
    assert_eq!(
        setup.files.resolve(Table::Jobs, &name).unwrap(),
        std::fs::canonicalize(&files[1]).unwrap()
    );
    assert!(setup
        .files
        .resolve(Table::Jobs, &format!("jobs/{name}"))
        .is_ok());
    assert!(setup
        .files
        .resolve(Table::Jobs, &format!("./jobs/{name}"))
        .is_ok());

    let outside = setup.folder.path().join("secret.avro");
    std::fs::copy(&files[1], &outside).unwrap();
    let unsafe_name = |name: &str| match setup.files.resolve(Table::Jobs, name) {
        Err(BackupError::UnsafeName { reason, .. }) => reason,
        other => panic!("{name:?} gave {other:?}"),
    };
    assert!(unsafe_name("../secret.avro").contains(".."));
    assert!(unsafe_name("jobs/../../secret.avro").contains(".."));
    assert!(unsafe_name(outside.to_str().unwrap()).contains("absolute"));
    assert!(unsafe_name("/etc/passwd").contains("absolute"));
    assert!(unsafe_name("").contains("empty"));

    // Links: out of the folder refused, inside it followed.
    let link_out = setup.files.dir().join("jobs/link-out.avro");
    std::os::unix::fs::symlink(&outside, &link_out).unwrap();
    assert!(unsafe_name("link-out.avro").contains("link"));
    let folder_out = setup.files.dir().join("escape");
    std::os::unix::fs::symlink(setup.folder.path(), &folder_out).unwrap();
    assert!(unsafe_name("escape/secret.avro").contains("link"));
    let link_in = setup.files.dir().join("jobs/link-in.avro");
    std::os::unix::fs::symlink(&files[1], &link_in).unwrap();
    assert!(setup.files.resolve(Table::Jobs, "link-in.avro").is_ok());

    assert!(matches!(
        setup.files.resolve(Table::Jobs, "missing.avro"),
        Err(BackupError::NotFound(_))
    ));

    // Through the use case, as the API calls it.
    let before = contents(&setup.storage);
    let err = setup
        .backups()
        .restore_table(Table::Jobs, RestoreSource::Named("../secret.avro".into()))
        .unwrap_err();
    assert!(matches!(
        err,
        RestoreError::Files(BackupError::UnsafeName { .. })
    ));
    assert_eq!(contents(&setup.storage), before);
    setup
        .backups()
        .restore_table(Table::Jobs, RestoreSource::Named(name))
        .unwrap();
}

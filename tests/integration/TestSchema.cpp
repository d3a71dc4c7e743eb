// The schema the migrations create, compared with seed/database-schema.md through the catalog.
// The expectations are written out here on purpose, not derived from V0001__init.sql: this test
// is the independent check that the SQL says what the seed says.

#include "models/database/MigrationRunner.h"
#include "tests/support/ScratchDatabase.h"

#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>
#include <memory>

namespace {

const QString kVarchar = QStringLiteral("character varying");
const QString kTimestamptz = QStringLiteral("timestamp with time zone");

struct ColumnSpec
{
    QString table;
    QString column;
    QString dataType;
    int maxLength; // character_maximum_length, -1 for NULL
    bool nullable;
    QString defaultValue; // column_default as PostgreSQL reports it; empty for NULL
};

// In table column order.
const QList<ColumnSpec> &expectedColumns()
{
    const auto s = [](const char *text) { return QString::fromLatin1(text); };
    const QString uuid = s("uuid"), text = s("text"), boolean = s("boolean"), jsonb = s("jsonb"),
                  integer = s("integer"), now = s("now()"), no, f = s("false"),
                  active = s("'active'::character varying");
    static const QList<ColumnSpec> columns{
        {s("users"), s("id"), uuid, -1, false, no},
        {s("users"), s("email"), kVarchar, 255, false, no},
        {s("users"), s("email_verified"), boolean, -1, true, f},
        {s("users"), s("email_verified_at"), kTimestamptz, -1, true, no},
        {s("users"), s("phone"), kVarchar, 20, true, no},
        {s("users"), s("phone_verified"), boolean, -1, true, f},
        {s("users"), s("phone_verified_at"), kTimestamptz, -1, true, no},
        {s("users"), s("first_name"), kVarchar, 50, false, no},
        {s("users"), s("last_name"), kVarchar, 50, false, no},
        {s("users"), s("display_name"), kVarchar, 100, true, no},
        {s("users"), s("avatar_url"), text, -1, true, no},
        {s("users"), s("avatar_key"), kVarchar, 255, true, no},
        {s("users"), s("avatar_size"), integer, -1, true, no},
        {s("users"), s("avatar_mime_type"), kVarchar, 50, true, no},
        {s("users"), s("status"), kVarchar, 20, false, active},
        {s("users"), s("role"), kVarchar, 20, false, s("'user'::character varying")},
        {s("users"), s("totp_enabled"), boolean, -1, true, f},
        {s("users"), s("totp_secret"), kVarchar, 255, true, no},
        {s("users"), s("metadata"), jsonb, -1, true, no},
        {s("users"), s("created_at"), kTimestamptz, -1, false, now},
        {s("users"), s("updated_at"), kTimestamptz, -1, false, now},
        {s("users"), s("last_login_at"), kTimestamptz, -1, true, no},
        {s("users"), s("totp_last_step"), s("bigint"), -1, true, no}, // V0004: TOTP replay

        {s("auth_providers"), s("id"), integer, -1, false,
         s("nextval('auth_providers_id_seq'::regclass)")}, // SERIAL
        {s("auth_providers"), s("user_id"), uuid, -1, false, no},
        {s("auth_providers"), s("type"), kVarchar, 20, false, no},
        {s("auth_providers"), s("provider_id"), kVarchar, 255, false, no},
        {s("auth_providers"), s("email"), kVarchar, 255, true, no},
        {s("auth_providers"), s("linked_at"), kTimestamptz, -1, false, now},
        {s("auth_providers"), s("metadata"), jsonb, -1, true, no},

        {s("passkey_credentials"), s("id"), kVarchar, 255, false, no},
        {s("passkey_credentials"), s("user_id"), uuid, -1, false, no},
        {s("passkey_credentials"), s("public_key"), text, -1, false, no},
        {s("passkey_credentials"), s("counter"), integer, -1, false, s("0")},
        {s("passkey_credentials"), s("device_type"), kVarchar, 50, false, no},
        {s("passkey_credentials"), s("backed_up"), boolean, -1, true, f},
        {s("passkey_credentials"), s("transports"), jsonb, -1, true, no},
        {s("passkey_credentials"), s("created_at"), kTimestamptz, -1, false, now},
        {s("passkey_credentials"), s("last_used_at"), kTimestamptz, -1, true, no},
        // V0005: name, what the authenticator said at registration, clone suspicion.
        {s("passkey_credentials"), s("name"), kVarchar, 64, true, no},
        {s("passkey_credentials"), s("aaguid"), uuid, -1, true, no},
        {s("passkey_credentials"), s("attestation_format"), kVarchar, 32, true, no},
        {s("passkey_credentials"), s("clone_suspected_at"), kTimestamptz, -1, true, no},

        {s("sessions"), s("id"), kVarchar, 64, false, no},
        {s("sessions"), s("user_id"), uuid, -1, false, no},
        {s("sessions"), s("status"), kVarchar, 20, false, active},
        {s("sessions"), s("user_agent"), text, -1, false, no},
        {s("sessions"), s("ip"), kVarchar, 45, false, no},
        {s("sessions"), s("browser"), kVarchar, 100, true, no},
        {s("sessions"), s("os"), kVarchar, 100, true, no},
        {s("sessions"), s("device"), kVarchar, 100, true, no},
        {s("sessions"), s("location_country"), kVarchar, 100, true, no},
        {s("sessions"), s("location_city"), kVarchar, 100, true, no},
        {s("sessions"), s("location_timezone"), kVarchar, 100, true, no},
        {s("sessions"), s("created_at"), kTimestamptz, -1, false, now},
        {s("sessions"), s("expires_at"), kTimestamptz, -1, false, no},
        {s("sessions"), s("last_activity_at"), kTimestamptz, -1, false, now},
        {s("sessions"), s("revoked_at"), kTimestamptz, -1, true, no},
        {s("sessions"), s("revoked_reason"), kVarchar, 255, true, no},
        {s("sessions"), s("metadata"), jsonb, -1, true, no},

        // V0002: the public halves of every instance's JWT signing keys (beyond the seed).
        {s("jwt_public_keys"), s("kid"), kVarchar, 64, false, no},
        {s("jwt_public_keys"), s("jwk"), jsonb, -1, false, no},
        {s("jwt_public_keys"), s("instance"), kVarchar, 255, true, no},
        {s("jwt_public_keys"), s("created_at"), kTimestamptz, -1, false, now},
        {s("jwt_public_keys"), s("retired_at"), kTimestamptz, -1, true, no},

        // The runner's bookkeeping table (not in the seed, created by MigrationRunner).
        {s("schema_migrations"), s("version"), integer, -1, false, no},
        {s("schema_migrations"), s("name"), text, -1, false, no},
        {s("schema_migrations"), s("checksum"), text, -1, false, no},
        {s("schema_migrations"), s("applied_at"), kTimestamptz, -1, false, now},
    };
    return columns;
}

const QStringList &expectedTables()
{
    static const QStringList tables{
        QStringLiteral("auth_providers"), QStringLiteral("jwt_public_keys"), QStringLiteral("passkey_credentials"),
        QStringLiteral("schema_migrations"), QStringLiteral("sessions"), QStringLiteral("users")};
    return tables;
}

struct ConstraintSpec
{
    const char *table;
    const char *name; // PostgreSQL's default names for the seed's unnamed constraints
    const char *type;
    const char *columns;
    const char *refTable; // foreign keys only
    const char *refColumns;
    const char *deleteRule;
};

const ConstraintSpec kConstraints[] = {
    {"users", "users_pkey", "PRIMARY KEY", "id", "", "", ""},
    {"users", "users_email_key", "UNIQUE", "email", "", "", ""},
    {"auth_providers", "auth_providers_pkey", "PRIMARY KEY", "id", "", "", ""},
    {"auth_providers", "auth_providers_type_provider_id_key", "UNIQUE", "type,provider_id", "", "",
     ""},
    {"auth_providers", "auth_providers_user_id_fkey", "FOREIGN KEY", "user_id", "users", "id",
     "CASCADE"},
    {"passkey_credentials", "passkey_credentials_pkey", "PRIMARY KEY", "id", "", "", ""},
    {"passkey_credentials", "passkey_credentials_user_id_fkey", "FOREIGN KEY", "user_id", "users",
     "id", "CASCADE"},
    {"sessions", "sessions_pkey", "PRIMARY KEY", "id", "", "", ""},
    {"sessions", "sessions_user_id_fkey", "FOREIGN KEY", "user_id", "users", "id", "CASCADE"},
    {"jwt_public_keys", "jwt_public_keys_pkey", "PRIMARY KEY", "kid", "", "", ""},
    {"schema_migrations", "schema_migrations_pkey", "PRIMARY KEY", "version", "", "", ""},
};

struct IndexSpec
{
    const char *table;
    const char *name;
    const char *columns;
    bool unique;
};

// The seed's explicit indexes plus those PostgreSQL creates for PRIMARY KEY and UNIQUE.
const IndexSpec kIndexes[] = {
    {"users", "users_pkey", "id", true},
    {"users", "users_email_key", "email", true},
    {"users", "idx_users_email", "email", false},
    {"users", "idx_users_status", "status", false},
    {"users", "idx_users_created_at", "created_at", false},
    {"auth_providers", "auth_providers_pkey", "id", true},
    {"auth_providers", "auth_providers_type_provider_id_key", "type,provider_id", true},
    {"auth_providers", "idx_auth_providers_user_id", "user_id", false},
    {"auth_providers", "idx_auth_providers_type_provider", "type,provider_id", false},
    {"passkey_credentials", "passkey_credentials_pkey", "id", true},
    {"passkey_credentials", "idx_passkey_credentials_user_id", "user_id", false},
    {"sessions", "sessions_pkey", "id", true},
    {"sessions", "idx_sessions_user_id", "user_id", false},
    {"sessions", "idx_sessions_status", "status", false},
    {"sessions", "idx_sessions_expires_at", "expires_at", false},
    {"sessions", "idx_sessions_revoked_at", "revoked_at", false}, // V0003 (partial)
    {"sessions", "idx_sessions_created_at_id", "created_at,id", false},            // V0007 (console)
    {"sessions", "idx_sessions_last_activity_id", "last_activity_at,id", false},    // V0007
    {"sessions", "idx_sessions_ip_inet", "((ip)::inet)", false},                    // V0007
    {"sessions", "idx_sessions_country_created", "location_country,created_at", false}, // V0007
    {"sessions", "idx_sessions_browser_created", "browser,created_at", false},      // V0007
    {"users", "idx_users_email_prefix", "lower((email)::text)text_pattern_ops", false}, // V0007
    {"users", "idx_users_first_name_prefix", "lower((first_name)::text)text_pattern_ops", false},
    {"users", "idx_users_last_name_prefix", "lower((last_name)::text)text_pattern_ops", false},
    {"users", "idx_users_display_name_prefix", "lower((display_name)::text)text_pattern_ops", false},
    {"users", "idx_users_created_at_id", "created_at,id", false},                   // V0007
    {"jwt_public_keys", "jwt_public_keys_pkey", "kid", true},
    {"jwt_public_keys", "idx_jwt_public_keys_retired_at", "retired_at", false},
    {"schema_migrations", "schema_migrations_pkey", "version", true},
};

QString latin1(const char *text)
{
    return QString::fromLatin1(text);
}

QStringList sorted(QStringList list)
{
    list.sort();
    return list;
}

} // namespace

class TestSchema : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void tables();
    void columnOrder_data();
    void columnOrder();
    void columns_data();
    void columns();
    void constraintSet_data();
    void constraintSet();
    void constraints_data();
    void constraints();
    void indexSet_data();
    void indexSet();
    void indexes_data();
    void indexes();

private:
    QStringList strings(const QString &sql, const QString &table);
    std::unique_ptr<ScratchDatabase> m_scratch;
};

void TestSchema::initTestCase()
{
    m_scratch = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
    QVERIFY2(m_scratch->isValid(), qPrintable(m_scratch->errorString()));
}

void TestSchema::cleanupTestCase()
{
    m_scratch.reset();
}

// First column of every row of a query with one bound :table, in order.
QStringList TestSchema::strings(const QString &sql, const QString &table)
{
    QSqlQuery query(m_scratch->database());
    query.prepare(sql);
    if (!table.isNull())
        query.bindValue(QStringLiteral(":table"), table);
    if (!query.exec())
        qWarning("query failed: %s", qPrintable(query.lastError().text()));
    QStringList values;
    while (query.next())
        values << query.value(0).toString();
    return values;
}

void TestSchema::tables()
{
    QCOMPARE(strings(QStringLiteral("SELECT table_name FROM information_schema.tables "
                                    "WHERE table_schema = 'public' ORDER BY table_name"),
                     QString()),
             expectedTables());
}

void TestSchema::columnOrder_data()
{
    QTest::addColumn<QString>("table");
    QTest::addColumn<QStringList>("expected");
    for (const QString &table : expectedTables()) {
        QStringList names;
        for (const ColumnSpec &spec : expectedColumns())
            if (spec.table == table)
                names << spec.column;
        QTest::newRow(qPrintable(table)) << table << names;
    }
}

void TestSchema::columnOrder()
{
    QFETCH(QString, table);
    QFETCH(QStringList, expected);
    QCOMPARE(strings(QStringLiteral("SELECT column_name FROM information_schema.columns WHERE "
                                    "table_schema = 'public' AND table_name = :table "
                                    "ORDER BY ordinal_position"),
                     table),
             expected);
}

void TestSchema::columns_data()
{
    QTest::addColumn<QString>("table");
    QTest::addColumn<QString>("column");
    QTest::addColumn<QString>("dataType");
    QTest::addColumn<int>("maxLength");
    QTest::addColumn<QString>("isNullable");
    QTest::addColumn<QString>("defaultValue");
    for (const ColumnSpec &spec : expectedColumns())
        QTest::addRow("%s.%s", qPrintable(spec.table), qPrintable(spec.column))
            << spec.table << spec.column << spec.dataType << spec.maxLength
            << (spec.nullable ? QStringLiteral("YES") : QStringLiteral("NO")) << spec.defaultValue;
}

void TestSchema::columns()
{
    QFETCH(QString, table);
    QFETCH(QString, column);
    QSqlQuery query(m_scratch->database());
    query.prepare(QStringLiteral("SELECT data_type, character_maximum_length, is_nullable, "
                                 "column_default FROM information_schema.columns "
                                 "WHERE table_schema = 'public' AND table_name = :table "
                                 "AND column_name = :column"));
    query.bindValue(QStringLiteral(":table"), table);
    query.bindValue(QStringLiteral(":column"), column);
    QVERIFY2(query.exec(), qPrintable(query.lastError().text()));
    QVERIFY2(query.next(), "column missing");
    QTEST(query.value(0).toString(), "dataType");
    QTEST(query.value(1).isNull() ? -1 : query.value(1).toInt(), "maxLength");
    QTEST(query.value(2).toString(), "isNullable");
    QTEST(query.value(3).isNull() ? QString() : query.value(3).toString(), "defaultValue");
}

void TestSchema::constraintSet_data()
{
    QTest::addColumn<QString>("table");
    QTest::addColumn<QStringList>("expected");
    for (const QString &table : expectedTables()) {
        QStringList names;
        for (const ConstraintSpec &spec : kConstraints)
            if (latin1(spec.table) == table)
                names << latin1(spec.name);
        QTest::newRow(qPrintable(table)) << table << sorted(names);
    }
}

void TestSchema::constraintSet()
{
    QFETCH(QString, table);
    QFETCH(QStringList, expected);
    // NOT NULL shows up as CHECK constraints named ..._not_null; any other CHECK is extra.
    QCOMPARE(strings(QStringLiteral("SELECT constraint_name FROM information_schema."
                                    "table_constraints WHERE table_schema = 'public' AND "
                                    "table_name = :table AND (constraint_type <> 'CHECK' OR "
                                    "constraint_name NOT LIKE '%\\_not\\_null') "
                                    "ORDER BY constraint_name"),
                     table),
             expected);
}

void TestSchema::constraints_data()
{
    QTest::addColumn<QString>("table");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("columns");
    QTest::addColumn<QString>("refTable");
    QTest::addColumn<QString>("refColumns");
    QTest::addColumn<QString>("deleteRule");
    for (const ConstraintSpec &spec : kConstraints)
        QTest::newRow(spec.name) << latin1(spec.table) << latin1(spec.name) << latin1(spec.type)
                                 << latin1(spec.columns) << latin1(spec.refTable)
                                 << latin1(spec.refColumns) << latin1(spec.deleteRule);
}

void TestSchema::constraints()
{
    QFETCH(QString, name);
    QSqlQuery query(m_scratch->database());
    query.prepare(
        QStringLiteral("SELECT tc.table_name, tc.constraint_type,"
                       " (SELECT string_agg(k.column_name, ',' ORDER BY k.ordinal_position)"
                       "  FROM information_schema.key_column_usage k"
                       "  WHERE k.constraint_schema = tc.constraint_schema"
                       "  AND k.constraint_name = tc.constraint_name),"
                       " rc.unique_constraint_name, rc.delete_rule, rc.update_rule"
                       " FROM information_schema.table_constraints tc"
                       " LEFT JOIN information_schema.referential_constraints rc"
                       "  ON rc.constraint_schema = tc.constraint_schema"
                       "  AND rc.constraint_name = tc.constraint_name"
                       " WHERE tc.table_schema = 'public' AND tc.constraint_name = :name"));
    query.bindValue(QStringLiteral(":name"), name);
    QVERIFY2(query.exec(), qPrintable(query.lastError().text()));
    QVERIFY2(query.next(), "constraint missing");
    QTEST(query.value(0).toString(), "table");
    QTEST(query.value(1).toString(), "type");
    QTEST(query.value(2).toString(), "columns");
    QTEST(query.value(4).toString(), "deleteRule");
    const QString referenced = query.value(3).toString();
    if (query.value(1).toString() == QLatin1String("FOREIGN KEY"))
        QCOMPARE(query.value(5).toString(), QStringLiteral("NO ACTION"));
    QVERIFY(!query.next());

    // The referenced side of a foreign key: the key (primary/unique) it points at.
    QString refTable;
    QString refColumns;
    if (!referenced.isEmpty()) {
        QSqlQuery target(m_scratch->database());
        target.prepare(QStringLiteral(
            "SELECT table_name, string_agg(column_name, ',' ORDER BY ordinal_position)"
            " FROM information_schema.key_column_usage"
            " WHERE constraint_schema = 'public' AND constraint_name = :name"
            " GROUP BY table_name"));
        target.bindValue(QStringLiteral(":name"), referenced);
        QVERIFY2(target.exec() && target.next(), qPrintable(target.lastError().text()));
        refTable = target.value(0).toString();
        refColumns = target.value(1).toString();
    }
    QTEST(refTable, "refTable");
    QTEST(refColumns, "refColumns");
}

void TestSchema::indexSet_data()
{
    QTest::addColumn<QString>("table");
    QTest::addColumn<QStringList>("expected");
    for (const QString &table : expectedTables()) {
        QStringList names;
        for (const IndexSpec &spec : kIndexes)
            if (latin1(spec.table) == table)
                names << latin1(spec.name);
        QTest::newRow(qPrintable(table)) << table << sorted(names);
    }
}

void TestSchema::indexSet()
{
    QFETCH(QString, table);
    QFETCH(QStringList, expected);
    QCOMPARE(strings(QStringLiteral("SELECT indexname FROM pg_indexes WHERE schemaname = "
                                    "'public' AND tablename = :table ORDER BY indexname"),
                     table),
             expected);
}

void TestSchema::indexes_data()
{
    QTest::addColumn<QString>("table");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("columns");
    QTest::addColumn<bool>("unique");
    for (const IndexSpec &spec : kIndexes)
        QTest::newRow(spec.name) << latin1(spec.table) << latin1(spec.name) << latin1(spec.columns)
                                 << spec.unique;
}

void TestSchema::indexes()
{
    QFETCH(QString, name);
    QSqlQuery query(m_scratch->database());
    query.prepare(QStringLiteral("SELECT tablename, indexdef FROM pg_indexes "
                                 "WHERE schemaname = 'public' AND indexname = :name"));
    query.bindValue(QStringLiteral(":name"), name);
    QVERIFY2(query.exec(), qPrintable(query.lastError().text()));
    QVERIFY2(query.next(), "index missing");
    QTEST(query.value(0).toString(), "table");

    // pg_indexes gives the definition as SQL; a btree index over columns or simple expressions
    // (up to two levels of parentheses, as V0007's lower(email) and ip::inet; a partial
    // index's WHERE is allowed) looks exactly like this.
    static const QRegularExpression definition(QStringLiteral(
        "^CREATE (UNIQUE )?INDEX (\\S+) ON public\\.(\\S+) USING btree "
        "\\(((?:[^()]|\\((?:[^()]|\\([^()]*\\))*\\))*)\\)( WHERE .*)?$"));
    const QString indexdef = query.value(1).toString();
    const QRegularExpressionMatch match = definition.match(indexdef);
    QVERIFY2(match.hasMatch(), qPrintable(indexdef));
    QCOMPARE(match.captured(2), name);
    QTEST(!match.captured(1).isEmpty(), "unique");
    QTEST(match.captured(4).remove(QLatin1Char(' ')), "columns");
}

QTEST_GUILESS_MAIN(TestSchema)
#include "TestSchema.moc"

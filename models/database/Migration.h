#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QList>
#include <QString>

// One statement of a migration file and the line it starts on (for error messages).
struct SqlStatement
{
    QString text;
    int line = 1;
};

// One schema migration: a file named V<version>__<name>.sql (version of 4 or more digits,
// e.g. V0001__init.sql). Its SHA-256 is recorded when applied so a later edit of an applied
// file is noticed instead of silently diverging from what databases really contain.
struct Migration
{
    int version = 0;
    QString name;     // "init"
    QString fileName; // "V0001__init.sql"
    QByteArray sql;
    QString checksum; // lowercase hex SHA-256 of sql
    QList<SqlStatement> statements;

    // Checks the file name and splits the SQL (error MIGRATION_INVALID naming the file) and
    // computes the checksum.
    static Result<Migration> fromFile(const QString &fileName, const QByteArray &sql);
    static QString checksumOf(const QByteArray &sql);

    // Splits SQL text at top-level semicolons, honouring PostgreSQL's quoting: '...', E'...',
    // "...", $tag$...$tag$, -- and nested /* */ comments. Comment-only pieces are dropped.
    // Needed because QPSQL runs multi-statement text but reports only the first statement's
    // result: an error in a later statement would pass unnoticed.
    static Result<QList<SqlStatement>> splitStatements(const QString &sql);
};

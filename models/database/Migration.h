#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QString>

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

    // Checks the file name (error MIGRATION_INVALID naming the file) and computes the checksum.
    static Result<Migration> fromFile(const QString &fileName, const QByteArray &sql);
    static QString checksumOf(const QByteArray &sql);
};

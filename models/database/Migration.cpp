#include "Migration.h"

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QStringDecoder>
#include <limits>

Result<Migration> Migration::fromFile(const QString &fileName, const QByteArray &sql)
{
    // Names are strict so that a typo (V1__x.sql, V0002_x.sql, v0002__x.sql) is an error at
    // startup rather than a migration that is silently skipped.
    static const QRegularExpression pattern(
        QStringLiteral("^V([0-9]{4,})__([A-Za-z0-9][A-Za-z0-9_]*)\\.sql$"));
    const QRegularExpressionMatch match = pattern.match(fileName);
    if (!match.hasMatch())
        return makeError(QStringLiteral("MIGRATION_INVALID"),
                         QStringLiteral("migration file name '%1' is not of the form "
                                        "V0001__short_name.sql (V, at least 4 digits, two "
                                        "underscores, letters/digits/underscores, .sql)")
                             .arg(fileName));
    bool ok = false;
    const qlonglong version = match.captured(1).toLongLong(&ok);
    if (!ok || version < 1 || version > std::numeric_limits<int>::max())
        return makeError(QStringLiteral("MIGRATION_INVALID"),
                         QStringLiteral("migration '%1' has version %2; versions go from 1 "
                                        "to %3")
                             .arg(fileName, match.captured(1))
                             .arg(std::numeric_limits<int>::max()));
    QStringDecoder decoder(QStringDecoder::Utf8);
    const QString text = decoder(sql);
    if (decoder.hasError())
        return makeError(QStringLiteral("MIGRATION_INVALID"),
                         QStringLiteral("migration %1 is not valid UTF-8").arg(fileName));
    Result<QList<SqlStatement>> statements = splitStatements(text);
    if (!statements)
        return makeError(
            statements.error().code,
            QStringLiteral("migration %1: %2").arg(fileName, statements.error().message));
    if (statements->isEmpty())
        return makeError(QStringLiteral("MIGRATION_INVALID"),
                         QStringLiteral("migration %1 contains no SQL statement").arg(fileName));

    Migration migration;
    migration.statements = std::move(statements).value();
    migration.version = static_cast<int>(version);
    migration.name = match.captured(2);
    migration.fileName = fileName;
    migration.sql = sql;
    migration.checksum = checksumOf(sql);
    return migration;
}

QString Migration::checksumOf(const QByteArray &sql)
{
    return QString::fromLatin1(QCryptographicHash::hash(sql, QCryptographicHash::Sha256).toHex());
}

Result<QList<SqlStatement>> Migration::splitStatements(const QString &sql)
{
    QList<SqlStatement> statements;
    QString current;         // text of the statement being collected
    qsizetype codeStart = 0; // where its first non-comment character is in `current`
    bool hasCode = false;
    int line = 1; // line of sql[i]
    int statementLine = 1;
    const qsizetype n = sql.size();
    qsizetype i = 0;

    const auto isIdentifierChar = [](QChar c) {
        return c.isLetterOrNumber() || c == u'_' || c == u'$';
    };
    const auto at = [&](qsizetype k) { return k < n ? sql.at(k) : QChar(); };
    // Moves sql[i, to) into the current statement, counting lines.
    const auto take = [&](qsizetype to) {
        const QStringView piece = QStringView(sql).mid(i, to - i);
        line += static_cast<int>(piece.count(u'\n'));
        current += piece;
        i = to;
    };
    const auto markCode = [&] {
        if (!hasCode) {
            hasCode = true;
            statementLine = line;
            codeStart = current.size();
        }
    };
    const auto finishStatement = [&] {
        // Leading comments are dropped so PostgreSQL's "LINE n" counts from the statement.
        if (hasCode)
            statements.append({current.mid(codeStart).trimmed(), statementLine});
        current.clear();
        hasCode = false;
    };
    const auto unterminated = [](const QString &what, int startLine) {
        return makeError(
            QStringLiteral("MIGRATION_INVALID"),
            QStringLiteral("unterminated %1 starting at line %2").arg(what).arg(startLine));
    };

    while (i < n) {
        const QChar c = sql.at(i);
        if (c == u'-' && at(i + 1) == u'-') {
            const qsizetype end = sql.indexOf(u'\n', i);
            take(end < 0 ? n : end);
        } else if (c == u'/' && at(i + 1) == u'*') {
            int depth = 0; // PostgreSQL block comments nest
            qsizetype j = i;
            while (j < n) {
                if (sql.at(j) == u'/' && at(j + 1) == u'*') {
                    ++depth;
                    j += 2;
                } else if (sql.at(j) == u'*' && at(j + 1) == u'/') {
                    j += 2;
                    if (--depth == 0)
                        break;
                } else {
                    ++j;
                }
            }
            if (depth != 0)
                return unterminated(QStringLiteral("/* comment"), line);
            take(j);
        } else if (c == u'\'' || c == u'"') {
            markCode();
            // Only E'...' (E not ending a longer word) has backslash escapes; a doubled quote
            // is an escaped quote in every kind.
            const bool backslashes = c == u'\'' && i > 0 &&
                                     (sql.at(i - 1) == u'E' || sql.at(i - 1) == u'e') &&
                                     (i < 2 || !isIdentifierChar(sql.at(i - 2)));
            qsizetype j = i + 1;
            bool closed = false;
            while (j < n) {
                if (backslashes && sql.at(j) == u'\\') {
                    j += 2;
                } else if (sql.at(j) == c) {
                    if (at(j + 1) != c) {
                        closed = true;
                        ++j;
                        break;
                    }
                    j += 2;
                } else {
                    ++j;
                }
            }
            if (!closed)
                return unterminated(c == u'"' ? QStringLiteral("quoted identifier")
                                              : QStringLiteral("string literal"),
                                    line);
            take(j);
        } else if (c == u'$' && (i == 0 || !isIdentifierChar(sql.at(i - 1))) &&
                   !at(i + 1).isDigit()) {
            // $$ or $tag$ opens a dollar-quoted string ($1 would be a parameter).
            qsizetype j = i + 1;
            while (j < n && (sql.at(j).isLetterOrNumber() || sql.at(j) == u'_'))
                ++j;
            if (at(j) == u'$') {
                markCode();
                const QString tag = sql.mid(i, j - i + 1);
                const qsizetype close = sql.indexOf(tag, j + 1);
                if (close < 0)
                    return unterminated(QStringLiteral("dollar-quoted string %1").arg(tag), line);
                take(close + tag.size());
            } else {
                markCode();
                take(i + 1);
            }
        } else if (c == u';') {
            finishStatement();
            ++i;
        } else {
            if (!c.isSpace())
                markCode();
            take(i + 1);
        }
    }
    finishStatement();
    return statements;
}

#pragma once

#include "LocalRedis.h"
#include "TestHttp.h"

#include <QSqlDatabase>
#include <QString>
#include <QStringList>

// Small readers shared by the email and phone verification HTTP tests.
namespace VerificationFixtures {
// One column of one users row as text: "<null>" for NULL, "<none>" when the row is missing.
QString userColumn(const QSqlDatabase &db, const QString &userId, const QString &column);
// Every Redis key but the rate limiter's buckets and the session cache (which any request may
// create or refresh), sorted: equal lists = no flow state written.
QStringList flowKeys(const LocalRedis &redis);
// error.code and error.field of an error answer.
QString errorCode(const TestHttpResponse &response);
QString errorField(const TestHttpResponse &response);
} // namespace VerificationFixtures

#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

// An owned copy of a hiredis reply, so callers never touch hiredis memory. Transport failures
// (disconnected, timed out, not connected) come back as replies of type Error whose
// `transportError` is set, distinct from an error the server answered (e.g. WRONGTYPE).
struct RedisReply
{
    enum class Type { Nil, String, Simple, Integer, Array, Error }; // Simple: +OK style status

    Type type = Type::Nil;
    QByteArray string;     // String, Simple and Error text
    qint64 integer = 0;
    QList<RedisReply> elements;
    bool transportError = false;

    bool isError() const { return type == Type::Error; }
    bool isNil() const { return type == Type::Nil; }
    QString errorText() const { return QString::fromUtf8(string); }

    static RedisReply failure(const QByteArray &why)
    {
        RedisReply reply;
        reply.type = Type::Error;
        reply.string = why;
        reply.transportError = true;
        return reply;
    }
};

#include "RedisScript.h"

#include <QCryptographicHash>

RedisScript::RedisScript(QByteArray source)
    : m_source(std::move(source)),
      m_sha1(QCryptographicHash::hash(m_source, QCryptographicHash::Sha1).toHex())
{
}

void RedisScript::run(RedisClient &client, const QList<QByteArray> &keys,
                      const QList<QByteArray> &arguments, RedisClient::Callback callback) const
{
    // EVALSHA sha numkeys key… arg…; the EVAL retry differs only in its first two words.
    QList<QByteArray> command;
    command.reserve(3 + keys.size() + arguments.size());
    command << QByteArrayLiteral("EVALSHA") << m_sha1 << QByteArray::number(keys.size());
    command << keys << arguments;

    // Captures the source (shared, not copied) rather than `this`, so the script object may go
    // away before the reply. The client outlives its own callbacks: they are dropped with it.
    client.command(command, [&client, command, source = m_source,
                             callback = std::move(callback)](const RedisReply &reply) mutable {
        if (!reply.isError() || reply.transportError || !reply.string.startsWith("NOSCRIPT")) {
            callback(reply);
            return;
        }
        command[0] = QByteArrayLiteral("EVAL");
        command[1] = source;
        client.command(command, std::move(callback)); // whatever it answers is final
    });
}

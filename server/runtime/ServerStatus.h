#pragma once

#include <QMetaType>
#include <QString>

// A snapshot of the server for the console and logs; cheap to copy across threads.
struct ServerStatus
{
    enum class State { Stopped, Starting, Running, Stopping, Failed };

    State state = State::Stopped;
    QString message;             // what is happening, or why it failed
    QString url;                 // http://127.0.0.1:8600 while running
    int workers = 0;
    bool embeddedDatabase = true;
    bool embeddedRedis = true;
    QString database;            // where PostgreSQL is (password masked)
    QString redis;               // where Redis is (password masked)
    QString dataDir;
    // The real URLs (password included) once the services are up, for the console's own
    // database and Redis connections. Never shown or logged: use `database` and `redis`.
    QString connectDatabaseUrl;
    QString connectRedisUrl;
    int schemaVersion = 0;

    static QString stateName(State state);
};

Q_DECLARE_METATYPE(ServerStatus)

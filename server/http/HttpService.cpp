#include "HttpService.h"

#include "ListenSockets.h"
#include "models/common/Log.h"

#include <QDeadlineTimer>
#include <QThread>

#include <unistd.h>

HttpService::HttpService(HttpServiceSettings settings, RouteInstaller installer, QObject *parent)
    : QObject(parent), m_settings(std::move(settings)), m_installer(std::move(installer))
{
}

HttpService::~HttpService()
{
    stop(0);
}

Status HttpService::start()
{
    if (isRunning())
        return {};
    const int count = qMax(1, m_settings.workers);
    auto sockets = ListenSockets::open(m_settings.address, m_settings.port, count);
    if (!sockets)
        return sockets.error();
    m_port = sockets->port;

    for (int i = 0; i < count; ++i) {
        HttpWorkerSettings workerSettings;
        workerSettings.index = i;
        workerSettings.listenDescriptor = sockets->descriptors.at(i);
        workerSettings.limits = m_settings.limits;
        workerSettings.databaseUrl = m_settings.databaseUrl;
        workerSettings.redisUrl = m_settings.redisUrl;
        workerSettings.rateLimits = m_settings.rateLimits;
        workerSettings.benchRoutes = m_settings.benchRoutes;
        workerSettings.services = m_settings.services;
        auto *thread = new QThread;
        thread->setObjectName(QStringLiteral("http-%1").arg(i));
        auto *worker = new HttpWorker(workerSettings, m_installer, &m_stats);
        worker->moveToThread(thread);
        thread->start();
        m_workers.append({thread, worker});
        bool ok = false;
        QMetaObject::invokeMethod(worker, &HttpWorker::setUp, Qt::BlockingQueuedConnection, &ok);
        if (!ok) {
            const Error error = makeError(worker->setUpErrorCode(), worker->setUpError());
            for (int j = i + 1; j < count; ++j)
                ::close(sockets->descriptors.at(j));
            stop(0);
            return error;
        }
    }
    Log::info(QStringLiteral("http.listening"),
              {{QStringLiteral("address"), m_settings.address.toString()},
               {QStringLiteral("port"), m_port},
               {QStringLiteral("workers"), count}});
    return {};
}

void HttpService::stop(int gracefulMs)
{
    if (m_workers.isEmpty())
        return;
    for (const Worker &w : std::as_const(m_workers))
        QMetaObject::invokeMethod(w.worker, &HttpWorker::stopAccepting, Qt::BlockingQueuedConnection);
    // Workers keep serving in their own threads meanwhile; this thread only watches the count.
    QDeadlineTimer deadline(gracefulMs);
    while (m_stats.inFlight.load() > 0 && !deadline.hasExpired())
        QThread::msleep(5);
    const int abandoned = m_stats.inFlight.load();
    for (const Worker &w : std::as_const(m_workers)) {
        QMetaObject::invokeMethod(w.worker, &HttpWorker::tearDown, Qt::BlockingQueuedConnection);
        w.thread->quit();
        w.thread->wait();
        delete w.worker;
        delete w.thread;
    }
    m_workers.clear();
    Log::info(QStringLiteral("http.stopped"), {{QStringLiteral("abandonedRequests"), abandoned}});
}

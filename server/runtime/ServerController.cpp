#include "ServerController.h"

#include "ServerRuntime.h"

#include <QThread>

ServerController::ServerController(Config config, QObject *parent)
    : ServerController(std::move(config), KeychainBackend{}, parent)
{
}

ServerController::ServerController(Config config, KeychainBackend keychain, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_thread(new QThread), m_runtime(nullptr)
{
    qRegisterMetaType<ServerStatus>();
    m_thread->setObjectName(QStringLiteral("server-control"));
    m_runtime = new ServerRuntime(m_config);
    m_runtime->setKeychain(std::move(keychain)); // "auto": the keychain when it answers
    m_lastStatus = m_runtime->status();
    m_runtime->moveToThread(m_thread);
    connect(m_runtime, &ServerRuntime::statusChanged, this,
            [this](const ServerStatus &status) {
                m_lastStatus = status;
                emit statusChanged(status);
            },
            Qt::QueuedConnection);
    m_thread->start();
}

ServerController::~ServerController()
{
    shutdown();
    delete m_thread;
}

void ServerController::start()
{
    QMetaObject::invokeMethod(m_runtime, [runtime = m_runtime] { (void)runtime->startHttp(); },
                              Qt::QueuedConnection);
}

void ServerController::stop()
{
    QMetaObject::invokeMethod(m_runtime, [runtime = m_runtime] { runtime->stopHttp(); },
                              Qt::QueuedConnection);
}

void ServerController::shutdown()
{
    if (m_shutDown)
        return;
    m_shutDown = true;
    // The runtime is deleted in its own thread: its workers and database connections belong
    // to threads it created there.
    QMetaObject::invokeMethod(m_runtime, [runtime = m_runtime] { delete runtime; },
                              Qt::BlockingQueuedConnection);
    m_runtime = nullptr;
    m_thread->quit();
    m_thread->wait();
}

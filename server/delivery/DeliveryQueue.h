#pragma once

#include "models/common/Result.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

// One background thread that runs delivery jobs (SMTP, the SMS gateway), so the HTTP workers
// never wait on a mail or SMS server. Urgent jobs (a code someone is waiting for) run before
// retries that are due; retries wait for their time. Jobs run one at a time, in the thread of
// this queue; each bounds its own network calls with timeouts.
//
// Destroying the queue stops it: the running job is asked to give up (stopping() turns true,
// which libcurl's progress callback checks), jobs not yet run are dropped and counted in the
// log. Thread-safe.
class DeliveryQueue
{
public:
    using Clock = std::chrono::steady_clock;
    using Job = std::function<void()>;

    explicit DeliveryQueue(QString name);
    ~DeliveryQueue();
    DeliveryQueue(const DeliveryQueue &) = delete;
    DeliveryQueue &operator=(const DeliveryQueue &) = delete;

    // Stops the thread (see above); idempotent. Owners call it before their own members go,
    // as their jobs use them.
    void stop();
    void postUrgent(Job job);
    void postAt(Clock::time_point due, Job job);
    bool stopping() const { return m_stopping.load(std::memory_order_relaxed); }
    const std::atomic<bool> *stopFlag() const { return &m_stopping; }
    const QString &name() const { return m_name; }

private:
    struct Timed
    {
        Clock::time_point due;
        quint64 sequence; // FIFO among equal due times
        Job job;
    };
    static bool later(const Timed &a, const Timed &b); // heap order: earliest on top
    void run();

    QString m_name;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_urgent;
    std::vector<Timed> m_timed; // a heap ordered by (due, sequence)
    quint64 m_sequence = 0;
    std::atomic<bool> m_stopping{false};
    std::thread m_thread;
};

// Hands an outcome computed on another thread to `context`'s thread: the returned function may
// be called from any thread, at most once; `done` then runs in `context`'s thread through its
// event loop. If `context` is destroyed first, `done` is silently dropped (a queued signal to a
// deleted receiver is never delivered), so handlers may capture what lives as long as context.
namespace DeliveryCallback {
std::function<void(const Status &)> onThreadOf(QObject *context, std::function<void(Status)> done);
} // namespace DeliveryCallback

class DeliveryRelay : public QObject
{
    Q_OBJECT
signals:
    void finished(const QString &code, const QString &message);
};

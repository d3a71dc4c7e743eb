#include "DeliveryQueue.h"

#include "models/common/Log.h"

#include <algorithm>
#include <memory>

bool DeliveryQueue::later(const Timed &a, const Timed &b)
{
    return a.due != b.due ? a.due > b.due : a.sequence > b.sequence;
}

DeliveryQueue::DeliveryQueue(QString name) : m_name(std::move(name))
{
    m_thread = std::thread([this] { run(); });
}

DeliveryQueue::~DeliveryQueue()
{
    stop();
}

void DeliveryQueue::stop()
{
    size_t dropped = 0;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        dropped = m_urgent.size() + m_timed.size();
    }
    m_wake.notify_all();
    if (!m_thread.joinable() || m_thread.get_id() == std::this_thread::get_id())
        return;
    m_thread.join();
    if (dropped > 0)
        Log::warning(QStringLiteral("delivery.dropped"),
                     {{QStringLiteral("queue"), m_name}, {QStringLiteral("jobs"), qint64(dropped)}});
}

void DeliveryQueue::postUrgent(Job job)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping)
            return;
        m_urgent.push_back(std::move(job));
    }
    m_wake.notify_one();
}

void DeliveryQueue::postAt(Clock::time_point due, Job job)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping)
            return;
        m_timed.push_back({due, m_sequence++, std::move(job)});
        std::push_heap(m_timed.begin(), m_timed.end(), later);
    }
    m_wake.notify_one();
}

void DeliveryQueue::run()
{
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        Job job;
        if (!m_urgent.empty()) {
            job = std::move(m_urgent.front());
            m_urgent.pop_front();
        } else if (!m_timed.empty() && m_timed.front().due <= Clock::now()) {
            std::pop_heap(m_timed.begin(), m_timed.end(), later);
            job = std::move(m_timed.back().job);
            m_timed.pop_back();
        } else if (!m_timed.empty()) {
            m_wake.wait_until(lock, m_timed.front().due);
            continue;
        } else {
            m_wake.wait(lock);
            continue;
        }
        lock.unlock();
        job();
        job = nullptr; // captured state is released outside the lock, too
        lock.lock();
    }
    m_urgent.clear();
    m_timed.clear();
}

namespace DeliveryCallback {

std::function<void(const Status &)> onThreadOf(QObject *context, std::function<void(Status)> done)
{
    // The relay lives in the caller's thread; emitting it from the delivery thread posts the
    // call to `context` (queued), and Qt drops it if `context` is gone by then.
    auto *relay = new DeliveryRelay;
    QObject::connect(relay, &DeliveryRelay::finished, context,
                     [done = std::move(done)](const QString &code, const QString &message) {
                         done(code.isEmpty() ? Status{} : Status{makeError(code, message)});
                     },
                     Qt::QueuedConnection);
    std::shared_ptr<DeliveryRelay> holder(relay, [](DeliveryRelay *r) { r->deleteLater(); });
    auto fired = std::make_shared<std::atomic<bool>>(false);
    return [holder, fired](const Status &status) {
        if (fired->exchange(true))
            return;
        if (status)
            emit holder->finished(QString(), QString());
        else
            emit holder->finished(status.error().code, status.error().message);
    };
}

} // namespace DeliveryCallback

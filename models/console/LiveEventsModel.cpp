#include "LiveEventsModel.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {
// Fields are shown as they came; a field longer than this is a broken publisher, not data.
constexpr qsizetype kMaxFieldLength = 200;

QString field(const QJsonObject &object, QLatin1StringView key)
{
    return object.value(key).toString().left(kMaxFieldLength);
}
} // namespace

LiveEvent LiveEvent::fromMessage(const QByteArray &channel, const QByteArray &payload,
                                 const QDateTime &receivedAt)
{
    LiveEvent event;
    event.at = receivedAt;
    event.type = QString::fromUtf8(channel);
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(payload, &error);
    if (!document.isObject()) {
        event.reason = u"unreadable payload: "_s +
                       (error.error != QJsonParseError::NoError ? error.errorString()
                                                                : u"not a JSON object"_s);
        return event;
    }
    const QJsonObject object = document.object();
    if (const QString type = field(object, "type"_L1); !type.isEmpty())
        event.type = type;
    event.userId = field(object, "userId"_L1);
    event.sessionId = field(object, "sessionId"_L1);
    event.instance = field(object, "instance"_L1);
    event.by = field(object, "by"_L1);
    event.reason = field(object, "reason"_L1);
    const QDateTime at = QDateTime::fromString(field(object, "at"_L1), Qt::ISODateWithMs);
    if (at.isValid())
        event.at = at.toUTC();
    return event;
}

QJsonObject LiveEvent::toJson() const
{
    QJsonObject object{{u"type"_s, type},
                       {u"userId"_s, userId},
                       {u"at"_s, at.toUTC().toString(Qt::ISODateWithMs)},
                       {u"instance"_s, instance}};
    if (!sessionId.isEmpty())
        object.insert(u"sessionId"_s, sessionId);
    if (!by.isEmpty())
        object.insert(u"by"_s, by);
    if (!reason.isEmpty())
        object.insert(u"reason"_s, reason);
    return object;
}

QString LiveEvent::details() const
{
    QStringList parts;
    if (!by.isEmpty())
        parts.append(u"by "_s + by);
    if (!reason.isEmpty())
        parts.append(u"reason: "_s + reason);
    return parts.join(u" · "_s);
}

LiveEventsModel::LiveEventsModel(QObject *parent, int capacity, int flushIntervalMs)
    : QAbstractTableModel(parent), m_capacity(std::max(1, capacity))
{
    m_flushTimer.setInterval(flushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &LiveEventsModel::flush);
}

int LiveEventsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int LiveEventsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LiveEventsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return {};
    const LiveEvent &event = m_rows[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return event.at.toLocalTime().toString(u"HH:mm:ss.zzz"_s); // the date: tool tip
        case Type:
            return event.type;
        case User:
            return event.userId;
        case Session:
            return event.sessionId;
        case Instance:
            return event.instance;
        case Details:
            return event.details();
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == Time)
            return event.at.toUTC().toString(Qt::ISODateWithMs);
        return {};
    case EventTypeRole:
        return event.type;
    case UserIdRole:
        return event.userId;
    case SessionIdRole:
        return event.sessionId;
    }
    return {};
}

QVariant LiveEventsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Time:
        return tr("Time");
    case Type:
        return tr("Type");
    case User:
        return tr("User");
    case Session:
        return tr("Session");
    case Instance:
        return tr("Instance");
    case Details:
        return tr("Details");
    }
    return {};
}

void LiveEventsModel::append(LiveEvent event)
{
    ++m_received;
    if (int(m_pending.size()) >= 2 * m_capacity) {
        // Paused for long, or a flood between two ticks: the queue is bounded too. It keeps
        // the newest `capacity`, which then replace every row at the next flush, so the table
        // never shows a hole between older rows and newer ones.
        const qsizetype drop = qsizetype(m_pending.size()) - m_capacity;
        m_pending.erase(m_pending.begin(), m_pending.begin() + drop);
        m_dropped += drop;
    }
    m_pending.push_back(std::move(event));
    if (!m_flushTimer.isActive() && !m_paused)
        m_flushTimer.start();
}

void LiveEventsModel::setPaused(bool paused)
{
    if (m_paused == paused)
        return;
    m_paused = paused;
    if (paused)
        m_flushTimer.stop();
    else
        flush();
}

void LiveEventsModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_pending.clear();
    m_received = 0;
    m_dropped = 0;
    endResetModel();
}

void LiveEventsModel::flush()
{
    if (m_paused || m_pending.empty()) {
        m_flushTimer.stop();
        return;
    }
    // Only the newest `capacity` of the queue can be shown.
    if (int(m_pending.size()) > m_capacity) {
        const auto skip = m_pending.size() - size_t(m_capacity);
        m_pending.erase(m_pending.begin(), m_pending.begin() + qsizetype(skip));
        m_dropped += qint64(skip);
    }
    const int incoming = int(m_pending.size());
    const int overflow = int(m_rows.size()) + incoming - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, overflow - 1);
        m_rows.erase(m_rows.begin(), m_rows.begin() + overflow);
        endRemoveRows();
    }
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + incoming - 1);
    std::move(m_pending.begin(), m_pending.end(), std::back_inserter(m_rows));
    m_pending.clear();
    endInsertRows();
    ++m_flushes;
    emit flushed(incoming);
}

void LiveEventsFilter::setTypes(const QSet<QString> &types)
{
    if (types == m_types)
        return;
    m_types = types;
    invalidateRowsFilter();
}

void LiveEventsFilter::setUser(const QString &user)
{
    const QString trimmed = user.trimmed();
    if (trimmed == m_user)
        return;
    m_user = trimmed;
    invalidateRowsFilter();
}

bool LiveEventsFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (sourceParent.isValid())
        return false;
    const auto *model = qobject_cast<const LiveEventsModel *>(sourceModel());
    if (!model)
        return true;
    const LiveEvent &event = model->event(sourceRow);
    if (!m_types.isEmpty() && !m_types.contains(event.type))
        return false;
    return m_user.isEmpty() || event.userId.contains(m_user, Qt::CaseInsensitive);
}

QByteArray LiveEventsFilter::toJsonLines() const
{
    const auto *model = qobject_cast<const LiveEventsModel *>(sourceModel());
    QByteArray out;
    if (!model)
        return out;
    for (int row = 0; row < rowCount(); ++row) {
        const int sourceRow = mapToSource(index(row, 0)).row();
        out += QJsonDocument(model->event(sourceRow).toJson()).toJson(QJsonDocument::Compact);
        out += '\n';
    }
    return out;
}

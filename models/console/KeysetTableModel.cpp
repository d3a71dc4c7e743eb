#include "KeysetTableModel.h"

#include "models/database/PreparedStatements.h"

#include <QLocale>
#include <QSqlQuery>

namespace {
// Runs one statement prepared on the spot (the text depends on the filter) with bound values.
Result<QSqlQuery> runQuery(const QSqlDatabase &db, const QString &sql, const QVariantList &values)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.prepare(sql))
        return sqlError(query);
    for (qsizetype i = 0; i < values.size(); ++i)
        query.bindValue(static_cast<int>(i), values.at(i));
    if (!query.exec())
        return sqlError(query);
    return query;
}
} // namespace

KeysetTableModel::KeysetTableModel(DatabaseProvider database, QString idExpression, QString idType,
                                   QList<Column> columns, int defaultSortColumn,
                                   Qt::SortOrder defaultOrder, QObject *parent)
    : QAbstractTableModel(parent),
      m_database(std::move(database)),
      m_idExpression(std::move(idExpression)),
      m_idType(std::move(idType)),
      m_columns(std::move(columns)),
      m_sortColumn(defaultSortColumn),
      m_sortOrder(defaultOrder)
{
}

int KeysetTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int KeysetTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_columns.size());
}

QVariant KeysetTableModel::value(int row, int column) const
{
    if (row < 0 || row >= m_rows.size() || column < 0 || column >= m_columns.size())
        return {};
    return m_rows.at(row).at(column + 2);
}

QString KeysetTableModel::idAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).at(0).toString() : QString();
}

int KeysetTableModel::rowOfId(const QString &id) const
{
    for (int row = 0; row < m_rows.size(); ++row)
        if (m_rows.at(row).at(0).toString() == id)
            return row;
    return -1;
}

QVariant KeysetTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QVariant v = value(index.row(), index.column());
    const Column &column = m_columns.at(index.column());
    switch (role) {
    case Qt::DisplayRole:
        if (v.isNull())
            return QString();
        switch (column.kind) {
        case Column::Time:
            return v.toDateTime().toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        case Column::Bool:
            return v.toBool() ? tr("yes") : tr("no");
        case Column::Number:
        case Column::Text:
            return v.toString();
        }
        return v;
    case Qt::ToolTipRole:
        return column.kind == Column::Time && !v.isNull()
            ? QVariant(v.toDateTime().toUTC().toString(Qt::ISODateWithMs))
            : QVariant();
    case Qt::TextAlignmentRole:
        return column.kind == Column::Number ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    case IdRole:
        return idAt(index.row());
    case RawRole:
        return v;
    default:
        return {};
    }
}

QVariant KeysetTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= m_columns.size())
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::DisplayRole)
        return m_columns.at(section).title;
    return {};
}

bool KeysetTableModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_atEnd && !m_fetching;
}

void KeysetTableModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        fetchPage(false);
}

void KeysetTableModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= m_columns.size() || m_columns.at(column).sortKey.isEmpty())
        return;
    if (column == m_sortColumn && order == m_sortOrder && !m_rows.isEmpty())
        return;
    m_sortColumn = column;
    m_sortOrder = order;
    reload();
}

void KeysetTableModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_atEnd = true;
    endResetModel();
    m_total = 0;
    m_totalExact = true;
    emit totalChanged(0, true);
}

void KeysetTableModel::reload()
{
    beginResetModel();
    m_rows.clear();
    m_atEnd = true;
    m_error = {};
    endResetModel();
    if (fetchPage(true))
        countRows();
}

bool KeysetTableModel::reportError(const Error &error)
{
    m_error = error;
    m_atEnd = true;
    emit failed(error.message);
    return false;
}

bool KeysetTableModel::fetchPage(bool first)
{
    const QSqlDatabase db = m_database();
    if (!db.isOpen())
        return reportError(makeError(QStringLiteral("DATABASE_UNAVAILABLE"),
                                     tr("the console is not connected to PostgreSQL")));
    const Column &sortColumn = m_columns.at(m_sortColumn);
    const bool descending = m_sortOrder == Qt::DescendingOrder;
    const QString direction = descending ? QStringLiteral(" DESC") : QStringLiteral(" ASC");

    QStringList select{m_idExpression, QStringLiteral("CAST(%1 AS text)").arg(sortColumn.sortKey)};
    for (const Column &column : std::as_const(m_columns))
        select.append(column.select);
    SqlWhere where = whereClause();
    if (!first && !m_rows.isEmpty()) {
        const QVector<QVariant> &last = m_rows.constLast();
        // Row comparison: matches the (sort key, id) index and gives a total order.
        where.add(QStringLiteral("(%1, %2) %3 (CAST(? AS %4), CAST(? AS %5))")
                      .arg(sortColumn.sortKey, m_idExpression,
                           descending ? QStringLiteral("<") : QStringLiteral(">"), sortColumn.sortType,
                           m_idType),
                  {last.at(1).toString(), last.at(0).toString()});
    }
    const QString sql = QStringLiteral("SELECT ") + select.join(QStringLiteral(", ")) + QLatin1Char(' ') +
                        fromClause() + where.clause() + QStringLiteral(" ORDER BY ") + sortColumn.sortKey +
                        direction + QStringLiteral(", ") + m_idExpression + direction +
                        QStringLiteral(" LIMIT ") + QString::number(m_pageSize);
    auto query = runQuery(db, sql, where.values);
    if (!query)
        return reportError(query.error());
    QVector<QVector<QVariant>> page;
    page.reserve(m_pageSize);
    const int width = static_cast<int>(select.size());
    while (query->next()) {
        QVector<QVariant> row(width);
        for (int i = 0; i < width; ++i)
            row[i] = query->value(i);
        page.append(std::move(row));
    }
    m_atEnd = page.size() < m_pageSize;
    if (!page.isEmpty()) {
        // Views (and QAbstractItemModelTester) may ask for more from inside the insert
        // notifications: refuse until this page is in, or it would be fetched twice.
        m_fetching = true;
        const int start = static_cast<int>(m_rows.size());
        beginInsertRows({}, start, start + static_cast<int>(page.size()) - 1);
        m_rows.append(std::move(page));
        endInsertRows();
        m_fetching = false;
    }
    return true;
}

void KeysetTableModel::countRows()
{
    const QSqlDatabase db = m_database();
    const SqlWhere where = whereClause();
    qint64 total = 0;
    bool exact = true;
    if (m_atEnd) {
        total = m_rows.size(); // everything is loaded: nothing to ask
    } else {
        // Count exactly up to a cap (cheap: stops early); beyond it, an unfiltered table's size
        // comes from the planner statistics, a filtered one is shown as "more than the cap".
        auto capped = runQuery(db,
                               QStringLiteral("SELECT count(*) FROM (SELECT 1 ") + fromClause() + where.clause() +
                                   QStringLiteral(" LIMIT ") + QString::number(ExactCountLimit + 1) +
                                   QStringLiteral(") AS capped"),
                               where.values);
        if (!capped) {
            reportError(capped.error());
            return;
        }
        capped->next();
        total = capped->value(0).toLongLong();
        if (total > ExactCountLimit) {
            exact = false;
            if (where.conditions.isEmpty()) {
                auto estimate = runQuery(db,
                                         QStringLiteral("SELECT GREATEST(reltuples, 0)::bigint FROM pg_class "
                                                        "WHERE oid = to_regclass(?)"),
                                         {countTable()});
                if (estimate && estimate->next())
                    total = qMax(total, estimate->value(0).toLongLong());
            }
        }
    }
    m_total = total;
    m_totalExact = exact;
    emit totalChanged(total, exact);
}

#pragma once

#include "ConsoleSql.h"
#include "models/common/Result.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QSqlDatabase>
#include <QVector>

#include <functional>

// A read-only table over one SQL query, paged from PostgreSQL with keyset pagination: each
// fetchMore() asks for the next `pageSize` rows after the last one shown, ordered by the sort
// column and then the row id (so the order is total and a page deep in a million rows costs
// what the first one does). Filtering and sorting happen in SQL; the model never holds more
// than the pages the view has scrolled through. The total is counted exactly when it is small
// and estimated from the planner (EXPLAIN) when counting would be slow.
class KeysetTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    struct Column
    {
        QString title;
        QString select;   // SQL expression
        QString sortKey;  // non-null SQL expression to sort by; empty: not sortable
        QString sortType; // its SQL type (keyset values travel as text: timestamps keep µs)
        enum Kind { Text, Time, Bool, Number } kind = Text;
    };
    static constexpr int IdRole = Qt::UserRole + 1;  // the row's id (key column)
    static constexpr int RawRole = Qt::UserRole + 2; // the raw value (QDateTime, bool, …)

    using DatabaseProvider = std::function<QSqlDatabase()>;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    // Reloads the first page (after a filter change or an action).
    void reload();
    void clear();
    QString idAt(int row) const;
    int rowOfId(const QString &id) const;
    QVariant value(int row, int column) const;

    int pageSize() const { return m_pageSize; }
    void setPageSize(int rows) { m_pageSize = qMax(1, rows); }
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }
    qint64 totalCount() const { return m_total; }
    bool totalIsExact() const { return m_totalExact; }
    const Error &lastError() const { return m_error; }
    bool hasError() const { return !m_error.code.isEmpty(); }

    static constexpr qint64 ExactCountLimit = 10000;

signals:
    void totalChanged(qint64 total, bool exact);
    void failed(const QString &message);

protected:
    KeysetTableModel(DatabaseProvider database, QString idExpression, QString idType, QList<Column> columns,
                     int defaultSortColumn, Qt::SortOrder defaultOrder, QObject *parent);

    // "FROM …" with joins; and the current filter.
    virtual QString fromClause() const = 0;
    virtual SqlWhere whereClause() const = 0;
    // The table whose pg_class.reltuples estimates an unfiltered count.
    virtual QString countTable() const = 0;

private:
    bool fetchPage(bool first);
    void countRows();
    bool reportError(const Error &error);

    DatabaseProvider m_database;
    QString m_idExpression;
    QString m_idType;
    QList<Column> m_columns;
    int m_sortColumn;
    Qt::SortOrder m_sortOrder;
    int m_pageSize = 200;
    QVector<QVector<QVariant>> m_rows; // per row: id, sort key, then the columns
    bool m_atEnd = true;
    bool m_fetching = false;
    qint64 m_total = 0;
    bool m_totalExact = true;
    Error m_error;
};

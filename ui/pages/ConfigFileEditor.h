#pragma once

#include "models/common/Result.h"

#include <QMap>
#include <QString>
#include <QStringList>

// Edits a Gatehouse config file (flat `key = value` lines, see ConfigLoader) without losing
// what a person wrote in it: comments, blank lines and the order of keys stay; a changed key is
// rewritten in place, a new one is appended, a cleared one is removed. Values are written
// quoted, so any text round-trips.
class ConfigFileEditor
{
public:
    // Reads `path`; a missing file is an empty one. Errors: CONFIG_FILE_UNREADABLE.
    static Result<ConfigFileEditor> open(const QString &path);

    QString path() const { return m_path; }
    // The values set in the file (last one wins, like the loader).
    QMap<QString, QString> values() const;
    // An empty value removes the key.
    void set(const QString &key, const QString &value);
    QString text() const { return m_lines.join(u'\n'); }

    // Runs the new text through the real loader (ConfigLoader::load on a private copy, no
    // environment), so it is checked by exactly the rules gatehoused applies at start-up.
    // Errors: the loader's, one line per problem, naming the option.
    Status validate() const;
    // Validates, then replaces the file atomically (QSaveFile, 0600: URLs may hold passwords).
    Status save() const;

    // One value as the loader reads it (ConfigLoader::parseFileValue); empty when malformed.
    static QString parseValue(const QString &rest);
    static QString quote(const QString &value);

private:
    QString m_path;
    QStringList m_lines;
};

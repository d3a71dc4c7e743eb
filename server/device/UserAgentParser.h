#pragma once

#include "models/common/Result.h"

#include <QHash>
#include <QString>
#include <QStringView>
#include <list>
#include <memory>
#include <utility>
#include <vector>

// User-Agent parsing with the uap-core rules (Debian package uap-core, regexes.yaml), following
// the uap-core specification and the reference parsers (uap-python, uap-ref-impl):
//  - three independent rule lists (user_agent_parsers, os_parsers, device_parsers); the first
//    regex that matches anywhere in the string wins (case sensitive, unanchored; a device rule
//    with `regex_flag: 'i'` is case insensitive);
//  - a `*_replacement` replaces the field; `$1`…`$9` in it are the captured groups (a group that
//    did not take part is empty), the result is trimmed, and an empty result is null;
//  - without a replacement a field is its capture group (browser and OS: family $1, major $2,
//    minor $3, patch $4, patchMinor $5; device: family and model $1, no brand);
//  - no matching rule: family "Other", every other field null.
// Unknown fields are null QStrings, never empty strings.

struct UserAgent
{
    QString family; // "Other" when no rule matched
    QString major, minor, patch;
    friend bool operator==(const UserAgent &, const UserAgent &) = default;
};

struct OperatingSystem
{
    QString family; // "Other" when no rule matched
    QString major, minor, patch, patchMinor;
    friend bool operator==(const OperatingSystem &, const OperatingSystem &) = default;
};

struct Device
{
    QString family; // "Other" when no rule matched (desktops, most bots)
    QString brand, model;
    friend bool operator==(const Device &, const Device &) = default;
};

// What the sessions table stores: browser, os and device, VARCHAR(100) each.
struct ParsedUserAgent
{
    UserAgent browser;
    OperatingSystem os;
    Device device;

    static constexpr qsizetype kMaxLabelLength = 100; // the column size

    QString browserLabel() const; // "Firefox 121" (family + major), "Other" when unknown
    QString osLabel() const;      // "Windows 10", "Mac OS X 10.15", "iOS 17.1" (+ minor)
    QString deviceLabel() const;  // "iPhone", "Samsung SM-G991B", "Other" for desktops

    friend bool operator==(const ParsedUserAgent &, const ParsedUserAgent &) = default;
};

// Immutable once loaded, so one instance is shared by every worker thread. Every regex is
// compiled and JIT-compiled once in load(); parse() only reads.
class UserAgentParser
{
public:
    // CPU guard: user agents are attacker-controlled and ~1,200 regexes run over each one, some
    // with nested quantifiers. Only the first 2,048 UTF-16 code units are matched; real user
    // agents are far shorter (browsers send ~100–300), and nothing identifying comes later.
    // PCRE2's own match limit bounds any single regex on top of that.
    static constexpr qsizetype kMaxUserAgentLength = 2048;

    // Reads and compiles the rules. Any problem (file missing or unreadable, not YAML, a section
    // or a `regex` missing, a regex PCRE2 rejects) is USER_AGENT_REGEXES_INVALID naming the file.
    static Result<std::shared_ptr<const UserAgentParser>>
    load(const QString &regexesYaml = defaultPath());
    static QString defaultPath(); // /usr/share/uap-core/regexes.yaml

    ~UserAgentParser();
    UserAgentParser(const UserAgentParser &) = delete;
    UserAgentParser &operator=(const UserAgentParser &) = delete;

    // Thread-safe (const, no shared mutable state of ours; see the .cpp on QRegularExpression).
    ParsedUserAgent parse(QStringView userAgent) const;
    // One part only, for callers (and tests) that need just that.
    UserAgent parseBrowser(QStringView userAgent) const;
    OperatingSystem parseOs(QStringView userAgent) const;
    Device parseDevice(QStringView userAgent) const;

    qsizetype ruleCount() const; // all three lists together

private:
    struct Rule;
    UserAgentParser();
    // On a subject already truncated and made valid UTF-16 (subjectOf in the .cpp).
    UserAgent browserOf(const QString &subject) const;
    OperatingSystem osOf(const QString &subject) const;
    Device deviceOf(const QString &subject) const;

    std::vector<Rule> m_browserRules;
    std::vector<Rule> m_osRules;
    std::vector<Rule> m_deviceRules;
};

// An LRU cache in front of a shared parser, because the same few user agents repeat: a hit
// costs one hash lookup instead of up to ~1,200 regex searches. Not thread-safe by design: each
// worker thread owns one (no lock on the hot path); the parser behind them is shared.
class CachedUserAgentParser
{
public:
    explicit CachedUserAgentParser(std::shared_ptr<const UserAgentParser> parser,
                                   int capacity = 1024);

    ParsedUserAgent parse(const QString &userAgent);

    int hits() const; // saturate at INT_MAX rather than overflow in a long-lived worker
    int misses() const;
    int size() const;
    int capacity() const { return m_capacity; }

private:
    using Entry = std::pair<QString, ParsedUserAgent>;

    std::shared_ptr<const UserAgentParser> m_parser;
    int m_capacity;
    std::list<Entry> m_entries; // most recently used first
    QHash<QString, std::list<Entry>::iterator> m_index;
    qint64 m_hits = 0;
    qint64 m_misses = 0;
};

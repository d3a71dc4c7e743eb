#pragma once

#include <QtGlobal>

namespace ProcessEnvironment {

// With TZ unset, glibc's localtime_r()/mktime() stat /etc/localtime on every call to see
// whether it changed, and Qt converts QDateTime through them for every timestamp read from or
// bound to PostgreSQL: measured at about 4 % of gatehoused's CPU under a sign-in load (perf:
// __fstatat64 from __tzfile_read). Naming the same file explicitly makes glibc read it once.
// Behaviour is unchanged (same zone; a missing file still means UTC). Call first in main(),
// before any thread starts.
inline void pinLocalTimeZone()
{
    if (!qEnvironmentVariableIsSet("TZ"))
        qputenv("TZ", ":/etc/localtime");
}

} // namespace ProcessEnvironment

# Sourced by the launcher and the test script: makes JAVA_HOME a JDK 25+ when the default is older.
jd_java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }
if [ -z "${JAVA_HOME:-}" ] || [ "$(jd_java_major "$JAVA_HOME/bin/java")" -lt 25 ] 2>/dev/null; then
  default_java=$(command -v java || true)
  if [ -n "$default_java" ] && [ "$(jd_java_major "$default_java")" -ge 25 ] 2>/dev/null; then
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$default_java")")")
  else
    for d in /usr/lib/jvm/*25* /usr/lib/jvm/*-2[6-9]* /opt/java/*25* "$HOME"/.sdkman/candidates/java/25*; do
      if [ -x "$d/bin/java" ] && [ "$(jd_java_major "$d/bin/java")" -ge 25 ] 2>/dev/null; then JAVA_HOME=$d; break; fi
    done
  fi
fi
if [ -z "${JAVA_HOME:-}" ] || [ "$(jd_java_major "$JAVA_HOME/bin/java")" -lt 25 ] 2>/dev/null; then
  echo "jdiffusion needs a JDK 25 or newer; none found (default java: $(command -v java || echo none)). Install one and set JAVA_HOME." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"

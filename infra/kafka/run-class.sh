#!/usr/bin/env bash
# Run a Kafka CLI class on the cached jars (what bin/kafka-run-class.sh does in the tarball).
# Examples (after infra/up.sh):
#   infra/kafka/run-class.sh org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:19092 --list
#   infra/kafka/run-class.sh kafka.tools.ConsoleProducer --bootstrap-server 127.0.0.1:19092 --topic t
#   infra/kafka/run-class.sh org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server 127.0.0.1:19092 --topic t --from-beginning
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
libs=$(kafka_libs_dir)
[ -f "$libs/.complete" ] || die "Kafka jars not fetched yet: run infra/up.sh first"
# Small heap and serial GC: these are short-lived CLI JVMs next to the broker on 2 cores.
exec java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
  -Dlog4j.configuration="file:$INFRA_DIR/kafka/tools-log4j.properties" \
  -cp "$libs/*" "$@"

#!/usr/bin/env bash
# smtp_alert: a master sends keepalived's alert mails ("[WEB1] VRRP Instance VI_1 - Entering
# MASTER state") to an SMTP server (aiosmtpd) on the lab network, without blocking the loop.
# Usage: t-smtp-alert.sh path/to/keepalived-rs
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_init smtp
lab_node a 192.0.2.11/24
lab_node m 192.0.2.250/24
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
lab_run m $LAB_DIR/mail.log python3 -u -m aiosmtpd -n -d -c aiosmtpd.handlers.Debugging -l 192.0.2.250:25
sleep 1.5
cat > $LAB_DIR/a.conf <<EOC
global_defs {
  notification_email {
    admin@example.com
  }
  notification_email_from keepalived@example.com
  smtp_server 192.0.2.250
  smtp_connect_timeout 30
  router_id WEB1
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 7
  priority 150
  advert_int 1
  smtp_alert
  virtual_ipaddress {
    192.0.2.100
  }
}
EOC
lab_run a $LAB_DIR/a.log $BIN -n -l -D -G -f $LAB_DIR/a.conf -p $LAB_DIR/a.pid -r $LAB_DIR/a2.pid
lab_wait 10 lab_has_addr a 192.0.2.100 >/dev/null || lab_fail "no master"

lab_wait 10 grep -q "Entering MASTER state" $LAB_DIR/mail.log >/dev/null || { tail -20 $LAB_DIR/a.log $LAB_DIR/mail.log; lab_fail "no MASTER mail"; }
grep -q "Subject: \[WEB1\] VRRP Instance VI_1 - Entering BACKUP state" $LAB_DIR/mail.log || lab_fail "no BACKUP mail"
grep -q "SMTP alert successfully sent." $LAB_DIR/a.log || lab_fail "no success line"
lab_log "PASS: smtp_alert mails for BACKUP (init) and MASTER reached the server"

SUMMARY = "keepalived-compatible VRRP daemon in Rust"
DESCRIPTION = "A memory-safe VRRP daemon (RFC 3768/5798) that reads keepalived.conf and \
takes keepalived's command line. One process, one thread, no heap use in steady state."
HOMEPAGE = "https://github.com/keepalived-rs/keepalived-rs"
LICENSE = "MIT | Apache-2.0"
LIC_FILES_CHKSUM = "file://Cargo.toml;beginline=7;endline=7;md5=86b31c7756a1a7962f28b62856ed4f05"

SRC_URI = "git://github.com/keepalived-rs/keepalived-rs.git;protocol=https;branch=main"
SRCREV = "${AUTOREV}"
PV = "0.1.0+git"
S = "${WORKDIR}/git"

inherit cargo cargo-update-recipe-crates

require ${BPN}-crates.inc

# Init system: the sysvinit/busybox script enabled by update-rc.d (links in /etc/rcN.d), and
# the unit enabled by systemd.bbclass when the distro uses systemd (which then inhibits
# update-rc.d unless sysvinit is a distro feature too).
inherit update-rc.d ${@bb.utils.filter('DISTRO_FEATURES', 'systemd', d)}
INITSCRIPT_NAME = "keepalived-rs"
# After networking (as the procd script's START=70), stopped early (STOP=01).
INITSCRIPT_PARAMS = "defaults 70 01"
SYSTEMD_SERVICE:${PN} = "keepalived-rs.service"
SYSTEMD_AUTO_ENABLE:${PN} = "enable"

do_install:append() {
    install -d ${D}${sbindir}
    mv ${D}${bindir}/keepalived-rs ${D}${sbindir}/keepalived-rs
    rmdir --ignore-fail-on-non-empty ${D}${bindir}

    install -d ${D}${sysconfdir}/keepalived ${D}${sysconfdir}/sysctl.d
    install -m 0644 ${S}/rootfs-overlay/common/etc/keepalived/keepalived.conf ${D}${sysconfdir}/keepalived/
    install -m 0644 ${S}/rootfs-overlay/common/etc/sysctl.d/50-keepalived-rs.conf ${D}${sysconfdir}/sysctl.d/

    if ${@bb.utils.contains('DISTRO_FEATURES', 'systemd', 'true', 'false', d)}; then
        install -d ${D}${systemd_system_unitdir}
        install -m 0644 ${S}/rootfs-overlay/systemd/usr/lib/systemd/system/keepalived-rs.service ${D}${systemd_system_unitdir}/
    fi
    # The script whenever update-rc.d is active (not inhibited by a systemd-only distro).
    if ${@'false' if d.getVar('INHIBIT_UPDATERCD_BBCLASS') == '1' else 'true'}; then
        install -d ${D}${sysconfdir}/init.d
        install -m 0755 ${S}/rootfs-overlay/sysv/etc/init.d/${INITSCRIPT_NAME} ${D}${sysconfdir}/init.d/
    fi
}

CONFFILES:${PN} = "${sysconfdir}/keepalived/keepalived.conf"
FILES:${PN} += "${sysconfdir}/sysctl.d"

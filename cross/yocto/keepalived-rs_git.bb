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

# Init system: sysvinit/busybox by default, systemd when the distro uses it.
inherit ${@bb.utils.filter('DISTRO_FEATURES', 'systemd', d)}
SYSTEMD_SERVICE:${PN} = "keepalived-rs.service"

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
    else
        install -d ${D}${sysconfdir}/init.d
        install -m 0755 ${S}/rootfs-overlay/sysv/etc/init.d/keepalived-rs ${D}${sysconfdir}/init.d/
    fi
}

CONFFILES:${PN} = "${sysconfdir}/keepalived/keepalived.conf"
FILES:${PN} += "${sysconfdir}/sysctl.d"

"""Notebook 00's environment check."""

from helpers.environment import CORE_PACKAGES, environment_report, package_versions


def test_report_names_every_core_package_and_the_device():
    report = environment_report()
    for name in CORE_PACKAGES:
        assert name in report
    assert "MISSING" not in report
    assert "device        cpu" in report


def test_missing_package_is_reported_not_raised():
    assert package_versions(["no-such-package-for-the-course"]) == {
        "no-such-package-for-the-course": None
    }

"""tutor-contrib-idv: the Tutor plugin that installs and configures openedx-idv in an Open edX platform."""

"""
openedx-idv-manual: Manual review: support staff approve or deny learners' identity in the Django admin
or from a CSV file.
"""

__version__ = "0.1.0"

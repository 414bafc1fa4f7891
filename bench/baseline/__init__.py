"""
edx-platform's way, modelled for the benchmark only: four verification tables shaped and indexed like the
platform's ``verify_student`` ones (photo, SSO, manual, generic; see shared/reference/lms-verify-student.md),
read as its ``IDVerificationService.user_is_verified`` reads them: one ORM query per table.
"""

# openedx-idv (tutor-contrib-idv): after Tutor's own LMS init task, whose migrations create our tables.
echo "openedx-idv: checking its configuration (a blank Persona key, a default provider that is not enabled...)"
./manage.py lms check --tag idv
{% if IDV_PLATFORM_MIRROR is sameas false -%}
echo "openedx-idv: IDV_PLATFORM_MIRROR is false: nothing to sync into the LMS's verify_student table"
{%- else -%}
echo "openedx-idv: writing the LMS's verify_student rows our attempts lack, rewriting drifted ones"
./manage.py lms idv_platform_sync --fix
{%- endif %}

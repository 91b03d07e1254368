FROM python:3.11-slim-bookworm
# WeasyPrint needs Pango; fonts for letters.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir --upgrade pip
COPY . .
RUN pip install --no-cache-dir . && DATABASE_URL=postgres://unused/unused SECRET_KEY=build python manage.py collectstatic --noinput
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["gunicorn", "omega_attendance.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

# Sourced by the other scripts: quiet TensorFlow, no telemetry, logs about the assistant only.
export TF_CPP_MIN_LOG_LEVEL=3            # TensorFlow's C++ start-up noise
export TF_ENABLE_ONEDNN_OPTS=0
export PYTHONWARNINGS="ignore"
export LOG_LEVEL_LIBRARIES=ERROR         # rasa: tensorflow, sanic, matplotlib... only errors
export LOG_LEVEL_MATPLOTLIB=ERROR
export RASA_TELEMETRY_ENABLED=false
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export MPLCONFIGDIR="${MPLCONFIGDIR:-/tmp/leg-triage-mpl}"
RASA=".venv/bin/python -m bot.rasa_cli"   # the rasa command, minus library noise (bot/rasa_cli.py)
# endpoints.yml calls the action server at 127.0.0.1:${ACTION_PORT} (Rasa substitutes ${VAR} in
# endpoint files and refuses to start when one is unset).
export ACTION_PORT="${ACTION_PORT:-5055}"

; TYA Sync Agent: unattended-install options, included into electron-builder's NSIS installer
; (electron-builder.yml: nsis.include). IT deploys with:
;
;   "TYA Sync Agent Setup 0.1.0.exe" /S /ENROLLKEYFILE=C:\deploy\enrollment-key.txt /CLOUDURL=https://api.talktoyouraccounts.example
;   optional: /UPDATEURL=https://updates.example.internal/tray/win/x64   (a site's own update mirror)
;
; The key is never a command-line value (every user can read a process's command line): only the
; path of a file holding it. The installer copies that file and the cloud URL into
; %ProgramData%\TYA Sync Agent\enrollment\, where the app's first start finds them
; (main/agent-host/first-start-enrollment.ts), runs `tya-agent enroll --url <cloud-url> --key-file <copy>`
; and deletes the copy once enrolled. The key is single-use: once spent it opens nothing.
; Errors are written to the install log and shown unless silent; a failed copy does not fail the install
; (the app then asks for enrollment as after a manual install).

!include "FileFunc.nsh"
!include "LogicLib.nsh"

!macro customInstall
  Push $0
  Push $1
  Push $2
  Push $3
  ${GetParameters} $0
  StrCpy $3 "$COMMONAPPDATA\TYA Sync Agent"

  ClearErrors
  ${GetOptions} $0 "/UPDATEURL=" $1
  ${IfNot} ${Errors}
  ${AndIf} $1 != ""
    CreateDirectory "$3"
    FileOpen $2 "$3\update-url" w
    FileWrite $2 "$1"
    FileClose $2
  ${EndIf}

  ClearErrors
  ${GetOptions} $0 "/ENROLLKEYFILE=" $1
  ${IfNot} ${Errors}
  ${AndIf} $1 != ""
    ${If} ${FileExists} "$1"
      CreateDirectory "$3\enrollment"
      ; Only SYSTEM, Administrators and the machine's users (the tray app runs as the signed-in user, enrolls
      ; on its first start and then deletes the spent key) have access; nothing inherited from ProgramData.
      nsExec::Exec 'icacls "$3\enrollment" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F *S-1-5-32-545:(OI)(CI)M'
      Pop $2
      CopyFiles /SILENT "$1" "$3\enrollment\enrollment-key"
      ClearErrors
      ${GetOptions} $0 "/CLOUDURL=" $1
      ${IfNot} ${Errors}
      ${AndIf} $1 != ""
        FileOpen $2 "$3\enrollment\cloud-url" w
        FileWrite $2 "$1"
        FileClose $2
      ${Else}
        DetailPrint "TYA Sync Agent: /ENROLLKEYFILE was given without /CLOUDURL; the app will ask for the cloud URL."
      ${EndIf}
    ${Else}
      DetailPrint "TYA Sync Agent: the enrollment key file $1 does not exist; enroll after installing (tya-agent enroll)."
      ${IfNot} ${Silent}
        MessageBox MB_ICONEXCLAMATION|MB_OK "The enrollment key file $1 does not exist. The agent is installed but not enrolled: enroll it from the app or with tya-agent enroll."
      ${EndIf}
    ${EndIf}
  ${EndIf}
  Pop $3
  Pop $2
  Pop $1
  Pop $0
!macroend

; An uninstall leaves ProgramData (the agent's data and queue) alone, but an unspent key goes.
!macro customUnInstall
  Delete "$COMMONAPPDATA\TYA Sync Agent\enrollment\enrollment-key"
  Delete "$COMMONAPPDATA\TYA Sync Agent\enrollment\cloud-url"
  RMDir "$COMMONAPPDATA\TYA Sync Agent\enrollment"
!macroend

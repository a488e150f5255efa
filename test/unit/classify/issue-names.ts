// The 47 threat names of issue 6, spelled exactly as the vendor does (shared by the built-in rule and corpus tests).
export const ISSUE_NAMES = `SIPVicious Scanner Detection|SSH User Authentication Brute Force Attempt|RPC Portmapper DUMP Request Detected|
ZGrab Application Layer Scanner Detection|Realtek Jungle SDK Remote Code Execution Vulnerability|Metasploit VxWorks WDB Agent Scanner Detection|
ZmEu Scanner Detection|RealNetworks HELIX Server DESCRIBE DoS Vulnerability|Shenzhen TVT DVR Remote Code Execution Vulnerability|
HTTP Unix Shell IFS Remote Code Execution Detection|Pivotal Spring Data Commons Remote File Read XXE Vulnerability|phpunit Remote Code Execution Vulnerability|
NJRat.Gen Command and Control Traffic|Microsoft Vista SMB Negotiate Protocol DoS|Microsoft Windows SMB Variable Validation Vulnerability|
Apache HTTP Server Path Traversal Vulnerability|Gh0st.Gen Command and Control Traffic|Cisco Smart Install Protocol Vulnerability|
Mirai and Reaper Exploitation Traffic|MVPower DVR Shell Unauthenticated Command Execution Vulnerability|
MVPower DVR TV Shell Unauthenticated Command Execution Vulnerability|NetWire RAT Command and Control Traffic Detection|
ThinkPHP Remote Code Execution Vulnerability|SSH Failed Brute-force Authentication Attempt|PHP Vulnerability Scanning Detection|
ThinkCMF File Inclusion Vulnerability|D-Link DSL Soap Authorization Remote Command Execution Vulnerability|Morto RDP Request Traffic|
Nmap Scripting Engine Detection|Microsoft PPTP Server Buffer Overflow Vulnerability|DNS Amplification Attack Query|
Apache Log4j Remote Code Execution Vulnerability|NTPsec ntpd ctl_getitem Out-of-Bounds Read Vulnerability|Axis SSI Remote Command Execution Vulnerability|
Masscan Port Scanning Tool Detection|ZeroAccess.Gen Command and Control Traffic|Muieblackcat Scanner Remote Code Injection Vulnerability|
F5 BIG-IP Authentication Bypass Vulnerability|Netis/Netcore Router Default Credential Remote Code Execution Vulnerability|
GPON Home Routers Remote Code Execution Vulnerability|Zimbra Remote Code Execution Vulnerability|
Apache Olingo XML Deserializer External Entity Injection Vulnerability|Netgear DGN Device Remote Command Execution Vulnerability|
HTTP Directory Traversal Request Attempt|Sun ONC RPC Small Piece fragmentation Evasion Detection|Zyxel CNM Secure Manager Remote Code Execution Vulnerability|
ASUS/Netcore Router Default Credential Remote Code Execution Vulnerability`.split('|').map((s) => s.trim());
